"""Bad files and bad requests raise a `SlideError` subclass with a message that says why."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lamella.slides import CorruptFile, SlideError, TooLarge, UnsupportedFormat, open_slide
from tests.conftest import testdata as real_file


def test_the_broken_svs_raises_unsupported_format_naming_the_file() -> None:
    with pytest.raises(UnsupportedFormat, match=r"broken\.svs"):
        open_slide(real_file("tiny-format-fixtures/broken.svs"))


def test_the_unopenable_tiff_raises_corrupt_file_naming_the_compression() -> None:
    with pytest.raises(CorruptFile, match="52479"):
        open_slide(real_file("tiny-format-fixtures/unopenable.tiff"))


def test_a_dicom_annotation_object_is_not_an_image() -> None:
    with pytest.raises(UnsupportedFormat, match="ANN"):
        open_slide(real_file("dicom-wsi/sm_annotations.dcm"))


def test_a_truncated_tiff_is_corrupt(tmp_path: Path) -> None:
    source = real_file("aperio-cmu-small-region/CMU-1-Small-Region.svs").read_bytes()
    path = tmp_path / "truncated.svs"
    path.write_bytes(source[:4000])
    with pytest.raises(CorruptFile):
        open_slide(path)


def test_a_zip_is_refused_with_a_hint_to_unpack_it(tmp_path: Path) -> None:
    path = tmp_path / "slides.zip"
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr("a.txt", "a")
    with pytest.raises(UnsupportedFormat, match="unpack"):
        open_slide(path)


def test_a_slide_above_the_pixel_cap_is_too_large() -> None:
    path = real_file("aperio-cmu-small-region/CMU-1-Small-Region.svs")
    with pytest.raises(TooLarge, match="cap"):
        open_slide(path, max_pixels=1000 * 1000)


def test_a_png_bomb_header_is_refused_before_decoding(tmp_path: Path) -> None:
    from lamella.slides.image_backend import PillowReader

    path = tmp_path / "bomb.png"
    Image.new("L", (3000, 3000)).save(path)
    with pytest.raises(TooLarge, match="convert it"):
        PillowReader(path, max_pixels=2000 * 2000)


def test_reading_outside_levels_frames_and_channels_raises(pyramid_tiff: Path) -> None:
    with open_slide(pyramid_tiff) as reader:
        with pytest.raises(SlideError, match="level 9"):
            reader.read_region((0, 0), 9, (10, 10))
        with pytest.raises(SlideError, match="frame 1"):
            reader.read_region((0, 0), 0, (10, 10), frame=1)
        with pytest.raises(SlideError, match="channel 3"):
            reader.read_region((0, 0), 0, (10, 10), channels=[3])
        with pytest.raises(TooLarge):
            reader.read_region((0, 0), 0, (10_000, 10_000))


def test_a_region_partly_outside_the_image_is_filled_with_white(pyramid_tiff: Path) -> None:
    with open_slide(pyramid_tiff) as reader:
        region = reader.read_region((1290, 990), 0, (20, 20))
    assert region.shape == (20, 20, 3)
    assert np.all(region[15:, 15:] == 255)
