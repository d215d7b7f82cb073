"""Native Deep Zoom: stored JPEG tiles, spliced with JPEGTables and colour-fixed, decode to
the pixels OpenSlide reads for the same area."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import openslide
import pytest
from PIL import Image

from lamella.slides import native_tiles, open_slide
from lamella.slides.jpeg import ADOBE_RGB, header_markers
from tests.conftest import testdata as real_file


def decode(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def openslide_pixels(
    path: Path, level: int, l0: tuple[int, int], size: tuple[int, int]
) -> np.ndarray:
    with openslide.OpenSlide(path) as slide:
        return np.asarray(slide.read_region(l0, level, size).convert("RGB")).astype(int)


def test_aperio_tiles_are_sent_as_stored_and_decode_to_openslides_pixels() -> None:
    path = real_file("aperio-cmu-small-region/CMU-1-Small-Region.svs")
    with open_slide(path) as reader:
        native = native_tiles(path, reader)
        assert native is not None
        top = native.grid.levels[-1].z
        for col, row in [(0, 0), (3, 5), (7, 10)]:
            tile = native.tile(top, col, row)
            assert tile.passthrough
            assert tile.media_type == "image/jpeg"
            expected = openslide_pixels(path, 0, (col * 240, row * 240), (240, 240))
            assert np.abs(decode(tile.data) - expected).max() <= 2
        native.close()


def test_aperio_rgb_tiles_get_the_adobe_marker_and_would_be_wrong_without_it() -> None:
    path = real_file("aperio-cmu-small-region/CMU-1-Small-Region.svs")
    with open_slide(path) as reader:
        native = native_tiles(path, reader)
        assert native is not None
        data = native.tile(native.grid.levels[-1].z, 2, 2).data
        native.close()
    assert data.startswith(b"\xff\xd8" + ADOBE_RGB)
    assert 0xEE in header_markers(data)
    without_marker = b"\xff\xd8" + data[2 + len(ADOBE_RGB) :]
    expected = openslide_pixels(path, 0, (480, 480), (240, 240))
    assert np.abs(decode(without_marker) - expected).mean() > 20


def test_the_grid_is_the_files_own_tile_size_with_no_overlap() -> None:
    path = real_file("aperio-cmu-small-region/CMU-1-Small-Region.svs")
    with open_slide(path) as reader:
        native = native_tiles(path, reader)
        assert native is not None
        grid = native.grid
        native.close()
    assert (grid.tile_size, grid.overlap, grid.width, grid.height) == (240, 0, 2220, 2967)
    assert grid.levels[-1].file_level == 0
    assert grid.rendered_levels == tuple(range(len(grid.levels) - 1))
    assert 'TileSize="240" Overlap="0"' not in grid.dzi()  # attribute order is Overlap first
    assert 'Overlap="0" TileSize="240"' in grid.dzi()


def test_edge_tiles_are_cropped_unless_the_caller_asks_for_stored_ones() -> None:
    path = real_file("aperio-cmu-small-region/CMU-1-Small-Region.svs")
    with open_slide(path) as reader:
        native = native_tiles(path, reader)
        assert native is not None
        top = native.grid.levels[-1].z
        cropped = native.tile(top, 9, 12)
        stored = native.tile(top, 9, 12, crop_edges=False)
        native.close()
    assert not cropped.passthrough
    assert Image.open(io.BytesIO(cropped.data)).size == (2220 - 9 * 240, 2967 - 12 * 240)
    assert stored.passthrough
    assert Image.open(io.BytesIO(stored.data)).size == (240, 240)
    expected = openslide_pixels(path, 0, (9 * 240, 12 * 240), (60, 87))
    assert np.abs(decode(cropped.data) - expected).max() <= 8


def test_a_generated_ycbcr_pyramid_serves_every_file_level_as_stored_tiles(
    pyramid_tiff: Path,
) -> None:
    with open_slide(pyramid_tiff) as reader:
        native = native_tiles(pyramid_tiff, reader)
        assert native is not None
        mapped = {
            level.z: level.file_level
            for level in native.grid.levels
            if level.file_level is not None
        }
        assert sorted(mapped.values()) == [0, 1, 2]
        for z, file_level in mapped.items():
            # Level 2 is 325 x 250: its first tile is an edge tile, stored only on request.
            tile = native.tile(z, 0, 0, crop_edges=file_level < 2)
            assert tile.passthrough
            assert 0xEE not in header_markers(tile.data)  # YCbCr: no colour fix needed
            expected = openslide_pixels(pyramid_tiff, file_level, (0, 0), (256, 256))
            height, width = min(256, 1000 >> file_level), min(256, 1300 >> file_level)
            difference = decode(tile.data)[:height, :width] - expected[:height, :width]
            assert np.abs(difference).max() <= 3
        below = min(mapped) - 1
        rendered = native.tile(below, 0, 0)
        native.close()
    assert not rendered.passthrough
    assert below in native.grid.rendered_levels


def test_slides_without_jpeg_tiles_have_no_native_grid() -> None:
    path = real_file("tiny-format-fixtures/boxes.tiff")  # deflate tiles
    with open_slide(path) as reader:
        assert native_tiles(path, reader) is None


@pytest.mark.parametrize("col_row", [(0, 0)])
def test_the_tiny_svs_single_tile_is_an_edge_tile_rendered_to_16_pixels(
    col_row: tuple[int, int],
) -> None:
    path = real_file("tiny-format-fixtures/small.svs")
    with open_slide(path) as reader:
        native = native_tiles(path, reader)
        assert native is not None
        tile = native.tile(native.grid.levels[-1].z, *col_row)
        native.close()
    assert Image.open(io.BytesIO(tile.data)).size == (16, 16)
