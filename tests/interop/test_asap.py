"""ASAP XML: the real CAMELYON/TCGA files against ElementTree, and broken files."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from lamella.interop import asap
from lamella.interop.model import ParseError, VectorType
from tests.conftest import testdata as shared_file
from tests.interop.helpers import assert_same

FILES = [
    "2_HE_tissue.xml",
    "TCGA-G9-6378-01A-01-BS1_tissue.xml",
    "camelyon16_normal_042_tissue.xml",
]


@pytest.mark.testdata
@pytest.mark.parametrize("name", FILES)
def test_an_asap_file_reads_like_elementtree_says(name: str) -> None:
    path = shared_file(f"asap-xml/{name}")
    root = ET.parse(path).getroot()
    annotations = root.findall("./Annotations/Annotation")
    document = asap.parse(path).materialize()
    assert len(document.record_list) == len(annotations)
    assert Counter(r.class_name for r in document.record_list) == Counter(
        a.get("PartOfGroup") for a in annotations
    )
    assert {g.get("Name") for g in root.findall("./AnnotationGroups/Group")} <= set(
        document.classes
    )
    for record, element in zip(document.record_list, annotations, strict=True):
        coordinates = element.findall("./Coordinates/Coordinate")
        assert len(record.shape.points()) == len(coordinates)
        first = min(coordinates, key=lambda c: int(c.get("Order", 0)))
        assert record.shape.points()[0] == (float(first.get("X", 0)), float(first.get("Y", 0)))
    assert {r.image_name for r in document.record_list} == {Path(name).stem}


@pytest.mark.testdata
def test_splines_are_polygons_that_remember_they_were_splines() -> None:
    document = asap.parse(shared_file("asap-xml/2_HE_tissue.xml")).materialize()
    assert Counter(r.class_name for r in document.record_list) == {"tissue": 3, "background": 1}
    assert {(r.shape.kind, r.shape.hint) for r in document.record_list} == {
        (VectorType.POLYGON, "spline")
    }


@pytest.mark.testdata
@pytest.mark.parametrize("name", FILES)
def test_a_real_asap_file_survives_a_round_trip(name: str, tmp_path: Path) -> None:
    document = asap.parse(shared_file(f"asap-xml/{name}")).materialize()
    asap.write(document, tmp_path / "out.xml")
    again = asap.parse(tmp_path / "out.xml", image_name=Path(name).stem).materialize()
    assert_same(document.record_list, again.record_list, uuid=False)
    assert [r.shape.hint for r in again.record_list] == [r.shape.hint for r in document.record_list]


def test_a_truncated_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<ASAP_Annotations>\n<Annotations>\n'
        '<Annotation Name="A" Type="Dot" PartOfGroup="None">\n<Coordinates>\n'
        '<Coordinate Order="0" X="1" Y="2" />\n<Coordinate Ord'
    )
    with pytest.raises(ParseError) as caught:
        list(asap.parse(path).record_list)
    assert caught.value.location.startswith("line 7")


def test_a_coordinate_that_is_not_a_number_names_the_annotation(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(
        '<ASAP_Annotations><Annotations><Annotation Name="Annotation 0" Type="Polygon" '
        'PartOfGroup="tumor"><Coordinates><Coordinate Order="0" X="1" Y="2"/>'
        '<Coordinate Order="1" X="abc" Y="2"/><Coordinate Order="2" X="3" Y="4"/>'
        "</Coordinates></Annotation></Annotations><AnnotationGroups/></ASAP_Annotations>"
    )
    with pytest.raises(ParseError) as caught:
        list(asap.parse(path).record_list)
    assert caught.value.location == "annotation 0 (Annotation 0), coordinate 1"
    assert "'abc'" in caught.value.problem


def test_another_xml_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.xml"
    path.write_text("<Annotations><Region/></Annotations>")
    with pytest.raises(ParseError, match="not <ASAP_Annotations>"):
        asap.parse(path)
