"""Fixtures for the imaging package: slides generated on the fly, real files via `testdata`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile


def gradient(width: int, height: int) -> np.ndarray:
    """A smooth RGB test pattern: JPEG keeps it within a few levels."""
    y, x = np.mgrid[0:height, 0:width]
    red = x * 255 // max(width - 1, 1)
    green = y * 255 // max(height - 1, 1)
    blue = (x + y) * 255 // max(width + height - 2, 1)
    return np.stack([red, green, blue], axis=-1).astype(np.uint8)


@pytest.fixture(scope="session")
def pyramid_tiff(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1300 x 1000 JPEG-tiled (256 px, YCbCr) pyramid, levels as successive pages."""
    path = tmp_path_factory.mktemp("pyramid") / "pyramid.tif"
    base = gradient(1300, 1000)
    with tifffile.TiffWriter(path, bigtiff=True) as writer:
        for level in range(3):
            step = 2**level
            writer.write(
                base[::step, ::step],
                tile=(256, 256),
                compression="jpeg",
                photometric="rgb",
                subfiletype=1 if level else 0,
                metadata=None,
            )
    return path


@pytest.fixture(scope="session")
def uint16_tiff(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300 x 200 single-channel uint16 TIFF holding values 1000..4000 (12-bit range)."""
    path = tmp_path_factory.mktemp("uint16") / "signal.tif"
    values = np.linspace(1000, 4000, 300 * 200).reshape(200, 300).astype(np.uint16)
    tifffile.imwrite(path, values, photometric="minisblack")
    return path
