"""Format detection reads content, not names."""

from __future__ import annotations

import gzip
import shutil
import zipfile
from pathlib import Path

import pytest

from lamella.slides import CorruptFile, FileKind, TiffVendor, UnsupportedFormat, detect_format
from tests.conftest import testdata as real_file

REAL_FILES = [
    ("aperio-cmu-small-region/CMU-1-Small-Region.svs", FileKind.TIFF, TiffVendor.APERIO),
    ("tiny-format-fixtures/small.svs", FileKind.TIFF, TiffVendor.APERIO),
    ("tiny-format-fixtures/boxes.tiff", FileKind.TIFF, TiffVendor.GENERIC),
    ("tiny-format-fixtures/small_HE_levels.tiff", FileKind.TIFF, TiffVendor.GENERIC),
    ("ome-tiff/multi-channel-z-series.ome.tif", FileKind.TIFF, TiffVendor.OME),
    ("qptiff-vectra/small_vectra.qptiff", FileKind.TIFF, TiffVendor.QPTIFF),
    ("nuclei-stardist/img2d.tif", FileKind.TIFF, TiffVendor.GENERIC),
    ("nuclei-stardist/histo.jpg", FileKind.JPEG, ""),
    ("exact-sync-sample/Eosinophile.png", FileKind.PNG, ""),
    ("dicom-wsi/boxes_0.dcm", FileKind.DICOM, "SM"),
    ("dicom-wsi/sm_image.dcm", FileKind.DICOM, "SM"),
    ("dicom-wsi/sm_annotations.dcm", FileKind.DICOM, "ANN"),
    ("nifti/avg152T1_LR_nifti.nii.gz", FileKind.NIFTI, "nifti1"),
]


@pytest.mark.parametrize(("relative", "kind", "subtype"), REAL_FILES)
def test_each_real_file_is_detected_by_its_content(relative: str, kind: str, subtype: str) -> None:
    detected = detect_format(real_file(relative))
    assert (detected.kind, detected.subtype) == (kind, subtype)


def test_a_misnamed_file_is_detected_by_content_not_extension(tmp_path: Path) -> None:
    target = tmp_path / "slide.png"
    shutil.copy(real_file("aperio-cmu-small-region/CMU-1-Small-Region.svs"), target)
    assert detect_format(target).kind == FileKind.TIFF


def test_a_gunzipped_nifti_is_detected_too(tmp_path: Path) -> None:
    target = tmp_path / "volume.bin"
    with gzip.open(real_file("nifti/avg152T1_LR_nifti.nii.gz"), "rb") as source:
        target.write_bytes(source.read())
    detected = detect_format(target)
    assert (detected.kind, detected.gzipped) == (FileKind.NIFTI, False)


def test_a_bmp_and_a_zip_are_detected(tmp_path: Path) -> None:
    from PIL import Image

    bmp = tmp_path / "a.dat"
    Image.new("RGB", (4, 4)).save(bmp, "BMP")
    archive = tmp_path / "b.dat"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("x.txt", "x")
    assert detect_format(bmp).kind == FileKind.BMP
    assert detect_format(archive).kind == FileKind.ZIP


def test_an_mrxs_index_is_told_from_a_jpeg_by_its_data_folder(tmp_path: Path) -> None:
    index = tmp_path / "slide.mrxs"
    shutil.copy(real_file("nuclei-stardist/histo.jpg"), index)
    assert detect_format(index).kind == FileKind.JPEG
    (tmp_path / "slide").mkdir()
    (tmp_path / "slide" / "Slidedat.ini").write_text("[GENERAL]\n")
    assert detect_format(index).kind == FileKind.MRXS


def test_a_bigtiff_is_flagged(pyramid_tiff: Path) -> None:
    assert detect_format(pyramid_tiff).bigtiff


def test_unknown_bytes_raise_a_clear_unsupported_format(tmp_path: Path) -> None:
    path = tmp_path / "notes.svs"
    path.write_bytes(b"hello, this is text and not a slide")
    with pytest.raises(UnsupportedFormat, match="not a supported image format"):
        detect_format(path)


def test_an_empty_file_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "empty.tif"
    path.write_bytes(b"")
    with pytest.raises(CorruptFile, match="empty"):
        detect_format(path)


def test_the_broken_svs_fixture_is_not_mistaken_for_a_tiff() -> None:
    with pytest.raises(UnsupportedFormat):
        detect_format(real_file("tiny-format-fixtures/broken.svs"))
