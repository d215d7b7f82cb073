"""Fixtures for the tile tests: a generated pyramid ingested into the cast's set, a fake
clock for the access caches, and the WSGI application behind the fast path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.core.wsgi import get_wsgi_application

from lamella.images.models import Image
from lamella.tiles.cache import callers, granted
from lamella.tiles.fastpath import TileFastPath
from tests.images.helpers import data_dir, upload_and_ingest, write_jpeg_pyramid
from tests.tiles.wsgi_calls import Counting

__all__ = ["data_dir"]


def write_pyramid(path: Path, width: int = 700, height: int = 500, shift: int = 0) -> Path:
    """A JPEG-tiled (256 px) RGB pyramid with levels as successive pages, a smooth pattern
    (``shift`` changes its colours)."""
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x + shift, y + shift, x + y + shift], axis=-1) % 256
    base = base.astype(np.uint8)
    return write_jpeg_pyramid(path, base, levels=2)


@pytest.fixture
def pyramid(
    cast: Any, data_dir: Path, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> Image:
    """A generated 700 x 500 pyramid, ingested into the cast's (private) image set."""
    path = write_pyramid(tmp_path / "pyramid.tif")
    (image,) = upload_and_ingest(
        django_capture_on_commit_callbacks,
        user=cast.owner,
        image_set=cast.image_set,
        files=[(path.name, path)],
    )
    assert image.ingest_state == Image.IngestState.READY, image.ingest_error
    return image


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The clock of the grant and caller caches, under the test's control."""
    fake = FakeClock()
    monkeypatch.setattr(granted, "clock", fake)
    monkeypatch.setattr(callers, "clock", fake)
    return fake


@pytest.fixture
def django_app() -> Counting:
    """Django's own WSGI application, counting the requests it answers."""
    return Counting(get_wsgi_application())


@pytest.fixture
def fast(django_app: Counting) -> TileFastPath:
    """The fast path in front of ``django_app``."""
    return TileFastPath(django_app)
