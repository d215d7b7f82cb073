"""DICOM bulk annotations against pydicom, and format guessing on the real files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from lamella.interop import dicom_ann, registry
from lamella.interop.model import ParseError, VectorType
from tests.conftest import testdata as shared_file
from tests.interop.helpers import assert_same


@pytest.mark.testdata
def test_the_dicom_sample_reads_like_pydicom_says() -> None:
    path = shared_file("dicom-wsi/sm_annotations.dcm")
    group = pydicom.dcmread(path).AnnotationGroupSequence[0]
    coordinates = np.frombuffer(group.DoublePointCoordinatesData, dtype="<f8").reshape(-1, 2)
    document = dicom_ann.parse(path).materialize()
    assert len(document.record_list) == group.NumberOfAnnotations == 2
    assert {r.class_name for r in document.record_list} == {group.AnnotationGroupLabel}
    for record, (x, y) in zip(document.record_list, coordinates, strict=True):
        assert record.shape.kind == VectorType.POINT
        centre = record.shape.centre()
        assert centre is not None and abs(centre[0] - x) < 1e-6 and abs(centre[1] - y) < 1e-6
    assert document.record_list[0].meta_data["measurements"]["Area"] == pytest.approx(
        20.4, abs=1e-4
    )
    assert document.record_list[0].image_name == "S19-1_A_1_1"


@pytest.mark.testdata
def test_the_dicom_sample_survives_a_round_trip(tmp_path: Path) -> None:
    document = dicom_ann.parse(shared_file("dicom-wsi/sm_annotations.dcm")).materialize()
    dicom_ann.write(document, tmp_path / "out.dcm", referenced_sop_instance_uid="1.2.3")
    written = pydicom.dcmread(tmp_path / "out.dcm")
    assert (
        written.Modality == "ANN"
        and written.ReferencedImageSequence[0].ReferencedSOPInstanceUID == "1.2.3"
    )
    again = dicom_ann.parse(tmp_path / "out.dcm").record_list
    assert_same(document.record_list, again, uuid=False)
    assert [r.meta_data for r in again] == [r.meta_data for r in document.record_list]


@pytest.mark.testdata
def test_a_dicom_image_is_not_an_annotation_object() -> None:
    with pytest.raises(ParseError, match="not Microscopy Bulk Simple Annotations"):
        dicom_ann.parse(shared_file("dicom-wsi/sm_image.dcm"))


def test_a_file_that_is_not_dicom_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.dcm").write_bytes(b"\x00" * 10)
    with pytest.raises(ParseError) as caught:
        dicom_ann.parse(tmp_path / "x.dcm")
    assert caught.value.location == "file"


@pytest.mark.testdata
@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("sliderunner-sqlite/MITOS2014.sqlite", "sliderunner"),
        ("asap-xml/2_HE_tissue.xml", "asap"),
        ("midogpp-json/MIDOG++.json", "midog"),
        ("dicom-wsi/sm_annotations.dcm", "dicom"),
    ],
)
def test_the_format_of_a_real_file_is_guessed_from_its_content(
    relative: str, expected: str, tmp_path: Path
) -> None:
    renamed = tmp_path / "upload.bin"  # the content decides, not the extension
    renamed.write_bytes(shared_file(relative).read_bytes())
    assert registry.guess_format(renamed) == expected


def test_an_unknown_format_name_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="geojson"):
        registry.get("svg")
    assert registry.guess_format(Path(__file__)) is None


def test_the_interop_package_imports_nothing_from_django() -> None:
    import subprocess
    import sys

    code = (
        "import sys, lamella.interop.registry;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")},
    )
    assert result.stdout.strip() == "[]"
