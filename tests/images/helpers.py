"""Helpers shared by the image and tile tests: a data dir per test, inline ingest."""

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile

from lamella.images.models import Image, ImageSet
from lamella.images.services import UploadSource, upload_images
from lamella.tiles.cache import slides


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    """A fresh LAMELLA data dir for the test; the open-slide cache starts empty."""
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    slides.clear()
    return Path(settings.DATA_DIR)


def upload_and_ingest(
    capture: Callable[..., Any],
    *,
    user: Any,
    image_set: ImageSet,
    files: Iterable[UploadSource],
    image_type: int = 0,
) -> list[Image]:
    """Upload, run the ingest jobs inline (they start on commit), return the fresh rows."""
    with capture(execute=True):
        created = upload_images(user=user, image_set=image_set, files=files, image_type=image_type)
    return [Image.objects.get(pk=image.pk) for image in created]


def files_under(folder: Path) -> list[Path]:
    """Every file below ``folder`` (empty folders do not count as leftovers)."""
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def write_jpeg_pyramid(path: Path, pixels: np.ndarray, levels: int) -> Path:
    """``pixels`` (RGB uint8) as a JPEG-tiled BigTIFF, each level a page half the last's size."""
    with tifffile.TiffWriter(path, bigtiff=True) as writer:
        for level in range(levels):
            step = 2**level
            writer.write(
                pixels[::step, ::step],
                tile=(256, 256),
                compression="jpeg",
                photometric="rgb",
                subfiletype=1 if level else 0,
                metadata=None,
            )
    return path
