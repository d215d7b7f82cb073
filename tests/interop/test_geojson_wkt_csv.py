"""QuPath GeoJSON, Cytomine-style WKT CSV and the flat CSV: reading, origins, broken input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lamella.interop import flat_csv, geojson, wkt_csv
from lamella.interop.model import Document, ParseError, Record, Shape, VectorType


def _feature(geometry: dict, **properties: object) -> dict:
    return {"type": "Feature", "id": "id-1", "geometry": geometry, "properties": properties}


def test_qupath_features_give_class_colour_measurements_and_uuid(tmp_path: Path) -> None:
    path = tmp_path / "slide-7.geojson"
    features = [
        _feature(
            {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [10, 5], [0, 5], [0, 0]]]},
            objectType="detection",
            classification={"name": "Tumor", "colorRGB": -3670016},
            measurements=[{"name": "Area", "value": 50.0}],
            name="first",
        ),
        _feature({"type": "Point", "coordinates": [3, 4]}),
        _feature({"type": "LineString", "coordinates": [[0, 0], [1, 1], [2, 0]]}),
        _feature({"type": "MultiPoint", "coordinates": [[0, 0], [5, 5]]}),
    ]
    path.write_text(json.dumps(features))
    document = geojson.parse(path).materialize()
    box, point, line, points = document.record_list
    assert box.image_name == "slide-7"
    assert box.shape.kind == VectorType.BOUNDING_BOX  # QuPath writes rectangles as polygons
    assert box.class_name == "Tumor" and document.classes["Tumor"].colour == "#c80000"
    assert box.meta_data == {"measurements": {"Area": 50.0}, "objectType": "detection"}
    assert box.description == "first" and box.unique_identifier == "id-1"
    assert point.class_name == geojson.UNCLASSIFIED and point.shape.centre() == (3, 4)
    assert line.shape.kind == VectorType.MULTI_LINE
    assert (points.shape.kind, points.shape.hint) == (VectorType.MULTI_LINE, "multipoint")


@pytest.mark.parametrize(
    ("content", "location", "problem"),
    [
        ('{"type": "FeatureCollection", "features": [', "line 1", "malformed JSON"),
        ('{"type": "Topology"}', "top level", "expected a Feature"),
        (json.dumps([_feature({"type": "Point", "coordinates": [1, "y"]})]), "feature 0", "'y'"),
        (
            json.dumps([_feature({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]})]),
            "feature 0",
            "3",
        ),
        (json.dumps([{"type": "Feature", "properties": {}}]), "feature 0", "no geometry"),
        (
            json.dumps([_feature({"type": "Circle", "coordinates": [0, 0]})]),
            "feature 0",
            "unsupported",
        ),
    ],
)
def test_broken_geojson_names_the_feature(
    tmp_path: Path, content: str, location: str, problem: str
) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    with pytest.raises(ParseError) as caught:
        list(geojson.parse(path).record_list)
    assert caught.value.location.startswith(location)
    assert problem in caught.value.problem


def test_wkt_rows_with_a_bottom_left_origin_are_flipped(tmp_path: Path) -> None:
    path = tmp_path / "cytomine.csv"
    path.write_text(
        "Image;Term;Location;ID\n"
        "a.tif;Nucleus;POINT (10 90);n1\n"
        "a.tif;Stroma;POLYGON ((0 100, 40 100, 40 60, 0 60, 0 100));n2\n"
    )
    document = wkt_csv.parse(path, origin="bottom-left", image_heights={"a.tif": 100}).materialize()
    nucleus, stroma = document.record_list
    assert nucleus.shape.centre() == (10, 10) and nucleus.unique_identifier == "n1"
    assert stroma.shape.vector == {"x1": 0, "y1": 0, "x2": 40, "y2": 40}
    document.images = {"a.tif": (100, 100)}
    wkt_csv.write(document, tmp_path / "out.csv", origin="bottom-left")
    assert "POINT (10 90)" in (tmp_path / "out.csv").read_text()


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("a.tif,c,POLYGON ((0 0, 1 0, 1 1", "unbalanced"),
        ("a.tif,c,POINT (one 2)", "'one' is not a number"),
        ("a.tif,c,TRIANGLE (0 0)", "unsupported WKT"),
        (",c,POINT (1 2)", "must not be empty"),
    ],
)
def test_malformed_wkt_names_the_line(tmp_path: Path, row: str, problem: str) -> None:
    path = tmp_path / "bad.csv"
    image, _, geometry = row.split(",", 2)
    path.write_text(f'image,class,wkt\na.tif,c,"POINT (1 2)"\n"{image}",c,"{geometry}"\n')
    with pytest.raises(ParseError) as caught:
        list(wkt_csv.parse(path).record_list)
    assert caught.value.location == "line 3"
    assert problem in caught.value.problem


def test_a_bottom_left_origin_needs_the_image_height(tmp_path: Path) -> None:
    path = tmp_path / "no-height.csv"
    path.write_text("image,class,wkt\na.tif,c,POINT (1 2)\n")
    with pytest.raises(ParseError, match="no height"):
        list(wkt_csv.parse(path, origin="bottom-left").record_list)


def test_a_flat_csv_with_a_bad_field_names_the_line(tmp_path: Path) -> None:
    good = Record("a.png", "Cell", Shape.box(0, 0, 5, 5), deleted=True)
    flat_csv.write(Document([good]), tmp_path / "ok.csv")
    text = (tmp_path / "ok.csv").read_text()
    broken = text + text.split("\n")[1].replace(",1,0,0,", ",maybe,0,0,") + "\n"
    (tmp_path / "bad.csv").write_text(broken)
    with pytest.raises(ParseError) as caught:
        list(flat_csv.parse(tmp_path / "bad.csv").record_list)
    assert caught.value.location == "line 3"
    assert "'maybe'" in caught.value.problem
    (tmp_path / "header.csv").write_text("image,class\na,b\n")
    with pytest.raises(ParseError, match="missing column"):
        list(flat_csv.parse(tmp_path / "header.csv").record_list)
