"""The per-process tile caches: granted reads, rendered tiles, open slides."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lamella.images import storage
from lamella.images.models import Image
from lamella.tiles.cache import (
    GrantCache,
    RenderedTiles,
    callers,
    granted,
    rendered,
    slides,
)
from lamella.tiles.selectors import checksum_prefix
from tests.tiles.conftest import FakeClock, write_pyramid


def test_a_grant_is_found_until_its_ttl_has_passed() -> None:
    clock = FakeClock()
    cache = GrantCache(ttl=10.0, clock=clock)
    cache.put((1, 2, "abc"), "image")
    clock.advance(9.5)
    assert cache.get((1, 2, "abc")) == "image"
    assert cache.get((1, 2, "other")) is None
    clock.advance(1.0)  # reads do not extend a grant: it is checked again every ttl
    assert cache.get((1, 2, "abc")) is None


def test_the_grant_cache_forgets_its_oldest_entry_beyond_its_size() -> None:
    cache = GrantCache(size=2, clock=FakeClock())
    for key in ("a", "b", "c"):
        cache.put((key,), key)
    assert [cache.get((key,)) for key in ("a", "b", "c")] == [None, "b", "c"]
    cache.clear()
    assert cache.get(("c",)) is None


def test_rendered_tiles_are_bounded_in_bytes_and_evict_the_least_recently_used() -> None:
    cache = RenderedTiles(max_bytes=800)
    cache.put(("a",), b"x" * 100)
    cache.put(("b",), b"x" * 100)
    assert cache.get(("a",)) == b"x" * 100  # now the most recently used
    for key in ("c", "d", "e", "f", "g", "h", "i"):  # 900 bytes put: one must go
        cache.put((key,), b"x" * 100)
    assert cache.bytes <= 800
    assert cache.get(("a",)) is not None
    assert cache.get(("b",)) is None
    cache.put(("huge",), b"x" * 101)  # over an eighth of the budget: never kept
    assert cache.get(("huge",)) is None
    cache.clear()
    assert cache.bytes == 0 and cache.get(("a",)) is None


def test_a_replaced_entry_counts_its_bytes_once() -> None:
    cache = RenderedTiles(max_bytes=800)
    cache.put(("a",), b"x" * 100)
    cache.put(("a",), b"x" * 50)
    assert cache.bytes == 50


def versioned_tile(image: Image, z: int, col: int = 0, row: int = 0) -> str:
    return (
        f"/api/v1/images/images/{image.pk}/{checksum_prefix(image)}/dzi_files/{z}/{col}_{row}.jpeg"
    )


def test_a_granted_read_spares_the_database_on_later_tiles(
    pyramid: Image, client: Any, cast: Any, django_assert_num_queries: Any
) -> None:
    cast.image_set.public = True
    cast.image_set.save()
    assert client.get(versioned_tile(pyramid, 10)).status_code == 200
    assert granted.get((None, pyramid.pk, checksum_prefix(pyramid))) is not None
    with django_assert_num_queries(0):
        assert client.get(versioned_tile(pyramid, 10, col=1)).status_code == 200


def test_a_tile_the_file_lacks_is_rendered_once_then_served_from_the_cache(
    pyramid: Image, client: Any, cast: Any
) -> None:
    client.force_login(cast.member)
    first = client.get(versioned_tile(pyramid, 3))  # far below the file's two levels
    assert first.status_code == 200
    made = len(rendered)
    assert made > 0
    again = client.get(versioned_tile(pyramid, 3))
    assert again.content == first.content
    assert len(rendered) == made


def test_a_replaced_file_is_opened_and_rendered_again(
    pyramid: Image, client: Any, cast: Any, tmp_path: Path
) -> None:
    client.force_login(cast.member)
    url = versioned_tile(pyramid, 3)
    before = client.get(url).content
    served = storage.served_path(pyramid)
    write_pyramid(tmp_path / "other.tif", width=700, height=500, shift=128).replace(served)
    stat = served.stat()
    os.utime(served, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    after = client.get(url)
    assert after.status_code == 200
    assert after.content != before


def test_a_deleted_file_answers_404_and_forgets_the_grants(
    pyramid: Image, client: Any, cast: Any
) -> None:
    client.force_login(cast.member)
    assert client.get(versioned_tile(pyramid, 10)).status_code == 200
    storage.served_path(pyramid).unlink()
    response = client.get(versioned_tile(pyramid, 10, col=1))
    assert response.status_code == 404
    assert "missing" in response.json()["detail"]
    assert granted.get((cast.member.pk, pyramid.pk, checksum_prefix(pyramid))) is None


def test_clearing_the_slide_cache_forgets_grants_callers_and_rendered_tiles(
    pyramid: Image, client: Any, cast: Any
) -> None:
    client.force_login(cast.member)
    assert client.get(versioned_tile(pyramid, 3)).status_code == 200
    callers.put((b"context",), "caller")
    slides.clear()
    assert len(slides) == 0 and rendered.bytes == 0
    assert granted.get((cast.member.pk, pyramid.pk, checksum_prefix(pyramid))) is None
    assert callers.get((b"context",)) is None
