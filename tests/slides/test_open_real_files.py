"""Every image of ../shared/testdata opens with the right backend and metadata, and its pixels
equal an independent decode (OpenSlide, tifffile, Pillow, nibabel) within JPEG tolerance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nibabel
import numpy as np
import pytest
import tifffile
from PIL import Image

from lamella.slides import open_slide
from lamella.slides.dicom_backend import DicomReader
from tests.conftest import testdata as real_file


@dataclass(frozen=True)
class Expected:
    relative: str
    backend: str
    level_dimensions: tuple[tuple[int, int], ...]
    frames: int = 1
    channels: int = 3
    dtype: str = "uint8"
    mpp: float | None = None


EXPECTED = [
    Expected(
        "aperio-cmu-small-region/CMU-1-Small-Region.svs", "openslide", ((2220, 2967),), mpp=0.499
    ),
    Expected("tiny-format-fixtures/small.svs", "openslide", ((16, 16),), mpp=0.499),
    Expected(
        "tiny-format-fixtures/boxes.tiff",
        "openslide",
        ((300, 250), (150, 125), (75, 62), (37, 31)),
    ),
    Expected(
        "tiny-format-fixtures/small_HE_levels.tiff",
        "openslide",
        ((300, 250), (150, 125), (75, 62), (37, 31)),
    ),
    Expected("ome-tiff/multi-channel-z-series.ome.tif", "tifffile", ((439, 167),), 5, 3, "int8"),
    Expected("qptiff-vectra/small_vectra.qptiff", "tifffile", ((1920, 1440),), mpp=0.4965),
    Expected("nuclei-stardist/img2d.tif", "tifffile", ((512, 512),), 1, 1, "uint16"),
    Expected("nuclei-stardist/mask2d.tif", "tifffile", ((512, 512),), 1, 1, "uint16"),
    Expected("nuclei-stardist/histo.jpg", "pillow", ((500, 300),)),
    Expected("exact-sync-sample/Eosinophile.png", "pillow", ((160, 159),)),
    Expected("dicom-wsi/boxes_0.dcm", "openslide", ((16, 16),), mpp=0.499),
    Expected("dicom-wsi/sm_image.dcm", "openslide", ((50, 50),), mpp=0.499),
    Expected("nifti/avg152T1_LR_nifti.nii.gz", "nibabel", ((91, 109),), 91, 1, mpp=2000.0),
]


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda e: e.relative.split("/")[-1])
def test_a_real_file_opens_with_the_right_backend_and_metadata(expected: Expected) -> None:
    with open_slide(real_file(expected.relative)) as reader:
        assert reader.backend == expected.backend
        assert reader.level_dimensions == expected.level_dimensions
        assert reader.frames == expected.frames
        assert len(reader.channels) == expected.channels
        assert reader.dtype == np.dtype(expected.dtype)
        if expected.mpp is not None:
            assert reader.mpp == pytest.approx(expected.mpp, rel=1e-3)


def test_the_aperio_slide_has_its_associated_images_and_objective_power() -> None:
    with open_slide(real_file("aperio-cmu-small-region/CMU-1-Small-Region.svs")) as reader:
        assert set(reader.associated_images) == {"label", "macro", "thumbnail"}
        assert reader.associated_images["label"].shape == (463, 387, 3)
        assert reader.objective_power == 20


def test_aperio_pixels_equal_tifffiles_decode() -> None:
    path = real_file("aperio-cmu-small-region/CMU-1-Small-Region.svs")
    independent = tifffile.imread(path)[700:1000, 300:800].astype(int)
    with open_slide(path) as reader:
        region = reader.read_region((300, 700), 0, (500, 300)).astype(int)
    assert np.abs(region - independent).max() <= 2


@pytest.mark.parametrize("name", ["boxes.tiff", "small_HE_levels.tiff"])
def test_generic_tiff_levels_equal_tifffiles_pages(name: str) -> None:
    path = real_file(f"tiny-format-fixtures/{name}")
    with tifffile.TiffFile(path) as tif:
        level2 = tif.pages[2].asarray().astype(int)
    with open_slide(path) as reader:
        downsample = reader.level_downsamples[2]
        region = reader.read_region((0, 0), 2, reader.level_dimensions[2]).astype(int)
        assert downsample == pytest.approx(4.016, abs=0.01)
    assert np.abs(region - level2).max() <= 2


def test_ome_tiff_channels_and_z_frames_equal_tifffiles_array() -> None:
    path = real_file("ome-tiff/multi-channel-z-series.ome.tif")
    czyx = tifffile.imread(path)
    with open_slide(path) as reader:
        for frame in (0, 4):
            region = reader.read_region((10, 20), 0, (200, 100), frame=frame)
            assert np.array_equal(region, np.moveaxis(czyx[:, frame, 20:120, 10:210], 0, -1))
        only_last = reader.read_region((0, 0), 0, (439, 167), frame=2, channels=[2])
        assert np.array_equal(only_last[..., 0], czyx[2, 2])


def test_qptiff_channels_are_named_and_pixels_equal_tifffile() -> None:
    path = real_file("qptiff-vectra/small_vectra.qptiff")
    cyx = tifffile.imread(path)
    with open_slide(path) as reader:
        assert [c.name for c in reader.channels] == ["DAPI", "FITC", "Cy3"]
        assert reader.channels[0].color == (0, 0, 255)
        region = reader.read_region((1500, 1200), 0, (420, 240))
        assert "thumbnail" in reader.associated_images
    assert np.array_equal(region, np.moveaxis(cyx[:, 1200:1440, 1500:1920], 0, -1))


def test_sixteen_bit_pixels_are_kept_not_clipped_to_eight_bits() -> None:
    path = real_file("nuclei-stardist/img2d.tif")
    independent = tifffile.imread(path)
    with open_slide(path) as reader:
        region = reader.read_region((0, 0), 0, (512, 512))
    assert region.dtype == np.uint16
    assert np.array_equal(region[..., 0], independent)


def test_values_above_255_survive_read_region(uint16_tiff: Path) -> None:
    with open_slide(uint16_tiff) as reader:
        region = reader.read_region((0, 0), 0, (300, 200))
    assert region.dtype == np.uint16
    assert int(region.min()) == 1000
    assert int(region.max()) == 4000


@pytest.mark.parametrize(
    "relative", ["nuclei-stardist/histo.jpg", "exact-sync-sample/Eosinophile.png"]
)
def test_plain_images_equal_pillows_decode(relative: str) -> None:
    path = real_file(relative)
    independent = np.asarray(Image.open(path).convert("RGB"))
    with open_slide(path) as reader:
        region = reader.read_region((0, 0), 0, reader.dimensions)
    assert np.array_equal(region, independent)


@pytest.mark.parametrize(("name", "tolerance"), [("boxes_0.dcm", 3), ("sm_image.dcm", 0)])
def test_dicom_through_wsidicom_equals_openslide(name: str, tolerance: int) -> None:
    path = real_file(f"dicom-wsi/{name}")
    with open_slide(path) as by_openslide, DicomReader(path) as by_wsidicom:
        assert by_wsidicom.level_dimensions == by_openslide.level_dimensions
        assert by_wsidicom.mpp == pytest.approx(0.499)
        size = by_openslide.dimensions
        ours = by_wsidicom.read_region((0, 0), 0, size).astype(int)
        theirs = by_openslide.read_region((0, 0), 0, size).astype(int)
    assert np.abs(ours - theirs).max() <= tolerance


def test_nifti_slices_are_frames_equal_to_nibabels_canonical_volume() -> None:
    path = real_file("nifti/avg152T1_LR_nifti.nii.gz")
    volume = np.asanyarray(nibabel.as_closest_canonical(nibabel.load(path)).dataobj)
    with open_slide(path) as reader:
        frame = reader.read_region((0, 0), 0, reader.dimensions, frame=45)[..., 0]
    assert np.array_equal(frame, volume[:, :, 45].T[::-1])
    assert frame.max() > 0
