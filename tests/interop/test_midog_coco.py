"""MIDOG++ JSON and COCO: the real MIDOG++ file against json, and broken files."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from lamella.interop import coco, midog
from lamella.interop.model import Document, ParseError, VectorType
from tests.conftest import testdata as shared_file
from tests.interop.helpers import assert_same


@pytest.fixture(scope="module")
def midog_document() -> tuple[dict[str, object], Document]:
    path = shared_file("midogpp-json/MIDOG++.json")
    return json.loads(path.read_text()), midog.parse(path).materialize()


@pytest.mark.testdata
def test_midog_reads_like_json_says(midog_document: tuple[dict, Document]) -> None:
    raw, document = midog_document
    assert len(document.record_list) == len(raw["annotations"]) == 26286
    names = {c["id"]: c["name"] for c in raw["categories"]}
    assert Counter(r.class_name for r in document.record_list) == Counter(
        names[a["category_id"]] for a in raw["annotations"]
    )
    assert len(document.images) == len(raw["images"]) == 553
    first, record = raw["annotations"][0], document.record_list[0]
    assert record.shape.bbox() == tuple(first["bbox"])  # [x1, y1, x2, y2], not COCO's w/h
    assert [v.class_name for v in record.votes] == [names[label] for label in first["labels"]]
    assert document.image_meta["001.tiff"]["tumor_type"] == "human breast cancer"
    assert {r.shape.kind for r in document.record_list} == {VectorType.BOUNDING_BOX}


@pytest.mark.testdata
def test_midog_survives_a_round_trip_as_midog_and_as_coco(
    midog_document: tuple[dict, Document], tmp_path: Path
) -> None:
    raw, document = midog_document
    midog.write(document, tmp_path / "midog.json")
    again = midog.parse(tmp_path / "midog.json").materialize()
    assert_same(document.record_list, again.record_list, uuid=False)
    assert json.loads((tmp_path / "midog.json").read_text())["info"] == raw["info"]
    # the COCO variant on a slice: the full file was just checked, this checks the bbox style
    part = Document(document.record_list[:3000], document.classes, document.images)
    coco.write(part, tmp_path / "coco.json")
    written = json.loads((tmp_path / "coco.json").read_text())
    x1, y1, x2, y2 = raw["annotations"][0]["bbox"]
    assert written["annotations"][0]["bbox"] == [x1, y1, x2 - x1, y2 - y1]
    assert_same(part.record_list, coco.parse(tmp_path / "coco.json").record_list, uuid=False)


def test_coco_segmentation_polygons_become_polygons(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps(
            {
                "images": [{"id": 3, "file_name": "a.png", "width": 50, "height": 40}],
                "categories": [{"id": 1, "name": "cell"}],
                "annotations": [
                    {
                        "id": 1,
                        "image_id": 3,
                        "category_id": 1,
                        "bbox": [1, 2, 3, 4],
                        "segmentation": [[1, 2, 4, 2, 3, 6]],
                        "iscrowd": 0,
                    },
                    {
                        "id": 2,
                        "image_id": 3,
                        "category_id": 1,
                        "bbox": [5, 5, 10, 10],
                        "segmentation": {"counts": [1, 2], "size": [40, 50]},
                        "score": 0.9,
                    },
                ],
            }
        )
    )
    document = coco.parse(path).materialize()
    assert [r.shape.kind for r in document.record_list] == [
        VectorType.POLYGON,
        VectorType.BOUNDING_BOX,
    ]
    assert document.record_list[0].shape.points() == [(1, 2), (4, 2), (3, 6)]
    assert document.record_list[1].shape.bbox() == (5, 5, 15, 15)
    assert document.record_list[1].score == 0.9
    assert document.images == {"a.png": (50, 40)}


def test_malformed_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"annotations": [\n  {"bbox": [1, 2, 3, 4],\n  }\n')
    with pytest.raises(ParseError) as caught:
        coco.parse(path)
    assert caught.value.location.startswith("line 3")


def test_a_bad_number_names_the_annotation(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "images": [{"id": 1, "file_name": "a.png"}],
                "categories": [{"id": 1, "name": "cell"}],
                "annotations": [
                    {"id": 44, "image_id": 1, "category_id": 1, "bbox": [1, "x", 3, 4]}
                ],
            }
        )
    )
    with pytest.raises(ParseError) as caught:
        list(midog.parse(path).record_list)
    assert caught.value.location == "annotations[0] (id=44)"
    assert "'x'" in caught.value.problem


def test_an_unknown_image_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "images": [],
                "categories": [{"id": 1, "name": "c"}],
                "annotations": [{"image_id": 9, "category_id": 1, "bbox": [0, 0, 1, 1]}],
            }
        )
    )
    with pytest.raises(ParseError, match="image_id 9"):
        list(coco.parse(path).record_list)
