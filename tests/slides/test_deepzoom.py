"""Our DeepZoom has DeepZoomGenerator's layout and pixels (EXACT's 254 px + 1 overlap)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openslide
import pytest
from openslide.deepzoom import DeepZoomGenerator

from lamella.slides import DeepZoom, SlideError, open_slide, render_tile
from tests.conftest import testdata as real_file


@pytest.fixture
def cmu() -> Path:
    return real_file("aperio-cmu-small-region/CMU-1-Small-Region.svs")


def test_levels_and_tile_counts_match_deepzoomgenerator(cmu: Path) -> None:
    with open_slide(cmu) as reader, openslide.OpenSlide(cmu) as slide:
        ours, theirs = DeepZoom(reader), DeepZoomGenerator(slide)
        assert ours.level_dimensions == theirs.level_dimensions
        assert ours.level_tiles == theirs.level_tiles
        assert ours.tile_count == theirs.tile_count


@pytest.mark.parametrize(
    ("z", "address"), [(12, (0, 0)), (12, (3, 4)), (12, (8, 11)), (11, (1, 1)), (9, (1, 1))]
)
def test_tiles_equal_deepzoomgenerators_pixels(cmu: Path, z: int, address: tuple[int, int]) -> None:
    with open_slide(cmu) as reader, openslide.OpenSlide(cmu) as slide:
        ours = DeepZoom(reader).get_tile(z, address).astype(int)
        theirs = np.asarray(DeepZoomGenerator(slide).get_tile(z, address).convert("RGB")).astype(
            int
        )
    assert ours.shape == theirs.shape
    assert np.abs(ours - theirs).max() <= 1


def test_the_dzi_descriptor_says_254_and_1(cmu: Path) -> None:
    with open_slide(cmu) as reader:
        dzi = DeepZoom(reader).get_dzi("jpeg")
    assert 'Overlap="1" TileSize="254"' in dzi
    assert 'Height="2967" Width="2220"' in dzi


def test_a_tile_outside_the_grid_raises(cmu: Path) -> None:
    with open_slide(cmu) as reader, pytest.raises(SlideError, match="outside"):
        DeepZoom(reader).get_tile(12, (50, 0))


def test_frames_of_a_non_openslide_slide_render_as_tiles() -> None:
    path = real_file("ome-tiff/multi-channel-z-series.ome.tif")
    with open_slide(path) as reader:
        deepzoom = DeepZoom(reader)
        top = deepzoom.level_count - 1
        first = deepzoom.get_tile(top, (0, 0), frame=0)
        last = deepzoom.get_tile(top, (0, 0), frame=4)
        encoded = render_tile(deepzoom, top, (0, 0), frame=4, image_format="png")
    assert first.shape == (167, 255, 3)
    assert not np.array_equal(first, last)
    assert encoded.startswith(b"\x89PNG")
