"""What a tile answer is made of, shared by the Django views and the WSGI fast path.

A tile must come out the same whichever path serves it (bytes, headers, ETag, 304): the views
wrap these functions in Django responses, ``fastpath`` in bare WSGI ones. Nothing here reads
the request object, only the URL's parts and its query parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from lamella.images.models import Image
from lamella.slides import render_tile
from lamella.tiles import compose
from lamella.tiles.cache import OpenSlide, rendered
from lamella.tiles.selectors import displays_from_query, exact_frame, query_fingerprint, query_frame

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "private, max-age=60"
MEDIA_TYPES = {"jpeg": "image/jpeg", "jpg": "image/jpeg", "png": "image/png"}
NATIVE_FALLBACK_TILE = 256  # grid of slides without stored JPEG tiles
#: Where a tile view leaves, in the WSGI environ, whom it served: ``(user id,)``, the id
#: None for anonymous callers. ``fastpath`` learns the caller of a request context from it.
CALLER_KEY = "lamella.tiles.caller"

Headers = list[tuple[str, str]]


def note_caller(meta: MutableMapping[str, Any], user: Any) -> None:
    """Record in ``meta`` (the WSGI environ) that the tile being answered was read by ``user``."""
    meta[CALLER_KEY] = (getattr(user, "pk", None),)


def native_deepzoom_size(opened: OpenSlide) -> int:
    """The tile side of the native grid (the file's own, or 256 px when it has none)."""
    return opened.native.grid.tile_size if opened.native else NATIVE_FALLBACK_TILE


def native_etag(
    checksum: str, z: int, col: int, row: int, ext: str, query: Mapping[str, str]
) -> str:
    """The ETag of a versioned native tile: its address and the pixel-changing parameters."""
    return f'"{checksum}-{z}-{col}-{row}-{ext}-{query_fingerprint(query)}"'


def native_tile_data(
    image: Image,
    opened: OpenSlide,
    address: tuple[int, int, int],
    ext: str,
    query: Mapping[str, str],
) -> bytes:
    """Native tile ``(z, col, row)``: the stored JPEG bytes when possible, else rendered
    (frames, channel windows, PNG, levels the file lacks) and kept in the rendered cache."""
    z, col, row = address
    frame = query_frame(image, query)
    displays = displays_from_query(image, query)
    image_format = "png" if ext == "png" else "jpeg"
    native = opened.native
    if native is not None and displays is None and frame == 0 and image_format == "jpeg":
        return compose.native_tile(opened, native, z, col, row)
    deepzoom = opened.deepzoom(native_deepzoom_size(opened), 0)
    return cached(
        opened,
        (deepzoom.tile_size, 0, z, col, row, frame, displays, image_format),
        lambda: render_tile(
            deepzoom, z, (col, row), frame=frame, displays=displays, image_format=image_format
        ),
    )


def exact_tile_data(
    image: Image,
    opened: OpenSlide,
    address: tuple[int, int, int],
    frame: int,
    ext: str,
    query: Mapping[str, str],
) -> bytes:
    """Tile ``(level, col, row)`` of EXACT's 254/1 layout, ``frame`` numbered from 1 as in
    EXACT's URLs; rendered once, then from the rendered cache."""
    level, col, row = address
    index = exact_frame(image, frame)
    displays = displays_from_query(image, query)
    image_format = "png" if ext == "png" else "jpeg"
    deepzoom = opened.deepzoom()
    return cached(
        opened,
        (deepzoom.tile_size, deepzoom.overlap, level, col, row, index, displays, image_format),
        lambda: render_tile(
            deepzoom, level, (col, row), frame=index, displays=displays, image_format=image_format
        ),
    )


def tile_headers(ext: str, etag: str | None) -> Headers:
    """The headers a tile view sets: versioned tiles (with an ETag) are immutable."""
    if etag is None:
        return [("Content-Type", MEDIA_TYPES[ext]), ("Cache-Control", REVALIDATE)]
    return [("Content-Type", MEDIA_TYPES[ext]), ("ETag", etag), ("Cache-Control", IMMUTABLE)]


def not_modified_headers(etag: str) -> Headers:
    """The headers of a 304 answering a matching ``If-None-Match``."""
    return [("ETag", etag), ("Cache-Control", IMMUTABLE)]


def cached(opened: OpenSlide, key: tuple[Any, ...], make: Callable[[], bytes]) -> bytes:
    """A rendered tile from the per-process cache of rendered tiles, made on a miss."""
    full_key = (opened.key, *key)
    data = rendered.get(full_key)
    if data is None:
        data = make()
        rendered.put(full_key, data)
    return data
