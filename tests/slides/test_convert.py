"""Conversion to a pyramidal tiled BigTIFF (levels as pages) and reading it back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image

from lamella.slides import UnsupportedFormat, convert_to_pyramid, native_tiles, open_slide
from tests.slides.conftest import gradient


@pytest.fixture
def png(tmp_path: Path) -> Path:
    path = tmp_path / "photo.png"
    Image.fromarray(gradient(1500, 1100)).save(path)
    return path


def test_a_png_becomes_a_jpeg_pyramid_that_reads_back(png: Path, tmp_path: Path) -> None:
    target = tmp_path / "photo.tif"
    result = convert_to_pyramid(png, target)
    assert (result.width, result.height, result.compression) == (1500, 1100, "jpeg")
    with tifffile.TiffFile(target) as tif:
        assert tif.is_bigtiff
        assert [page.shape[:2] for page in tif.pages] == [
            (1100, 1500),
            (550, 750),
            (275, 375),
            (137, 187),
        ]
        pages = [page for page in tif.pages if isinstance(page, tifffile.TiffPage)]
        assert len(pages) == 4
        assert all(page.is_tiled and page.tilewidth == 256 for page in pages)
        assert not pages[0].subifds
    with open_slide(target) as reader:
        assert reader.level_count == 4
        region = reader.read_region((400, 300), 0, (300, 200)).astype(int)
        assert native_tiles(target, reader) is not None
    assert np.abs(region - gradient(1500, 1100)[300:500, 400:700]).max() <= 6


def test_progress_is_reported_up_to_100(png: Path, tmp_path: Path) -> None:
    seen: list[int] = []
    convert_to_pyramid(png, tmp_path / "out.tif", progress=seen.append)
    assert seen[-1] == 100
    assert seen == sorted(seen)
    assert len(seen) >= 2


def test_sixteen_bit_input_is_kept_lossless(tmp_path: Path) -> None:
    values = np.linspace(0, 60000, 700 * 600).reshape(600, 700).astype(np.uint16)
    source = tmp_path / "signal.tif"
    tifffile.imwrite(source, values)
    result = convert_to_pyramid(source, tmp_path / "signal-pyramid.tif")
    assert result.compression == "deflate"
    with open_slide(result.path) as reader:
        assert reader.dtype == np.uint16
        assert reader.level_count == 3
        assert np.array_equal(reader.read_region((0, 0), 0, (700, 600))[..., 0], values)


def test_an_rgba_png_is_flattened_onto_white(tmp_path: Path) -> None:
    rgba = np.zeros((300, 300, 4), np.uint8)
    source = tmp_path / "alpha.png"
    Image.fromarray(rgba).save(source)
    result = convert_to_pyramid(source, tmp_path / "alpha.tif")
    with open_slide(result.path) as reader:
        assert reader.read_region((10, 10), 0, (5, 5)).min() >= 250


def test_a_file_libvips_cannot_load_leaves_nothing_behind(tmp_path: Path) -> None:
    source = tmp_path / "junk.png"
    source.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    target = tmp_path / "junk.tif"
    with pytest.raises(UnsupportedFormat):
        convert_to_pyramid(source, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.png"]
