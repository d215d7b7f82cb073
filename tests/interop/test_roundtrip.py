"""parse(write(document)) gives the same records, for every format, on a generated document."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lamella.interop import registry
from lamella.interop.model import Document, VectorType, Vote
from tests.interop.helpers import CLASSES, assert_same, generated_document, kind

ALL = {1, 2, 3, 4, 5, 7, None}
ON_IMAGE = {1, 2, 3, 4, 5}


@dataclass
class Case:
    name: str
    suffix: str
    kinds: set[int] | set[int | None]
    uuid: bool = True
    frames: bool = True
    single_image: bool = False
    options: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case(
        "exact",
        ".txt",
        ALL,
        options={"class_vector_types": {n: c.vector_type for n, c in CLASSES.items()}},
    ),
    Case("csv", ".csv", ALL),
    Case("sliderunner", ".sqlite", {1, 2, 5, 7}),
    Case("asap", ".xml", ON_IMAGE, uuid=False, frames=False, single_image=True),
    Case("geojson", ".geojson", ON_IMAGE, frames=False, single_image=True),
    Case("coco", ".json", {1, 2, 3, 4, 5, 7}),
    Case("midog", ".json", {1}, uuid=False, frames=False),
    Case("wkt", ".csv", ON_IMAGE, frames=False),
    Case("dicom", ".dcm", ON_IMAGE, uuid=False, frames=False, single_image=True),
]


def _subset(case: Case) -> Document:
    document = generated_document(
        ["slide-a.svs"] if case.single_image else ["slide-a.svs", "slide-b.svs"]
    )
    document.records = [r for r in document.record_list if kind(r) in case.kinds]
    return document


def _parse(case: Case, path: Path) -> Document:
    options = dict(case.options)
    if case.single_image:
        options["image_name"] = "slide-a.svs"
    return registry.get(case.name).parse(path, **options).materialize()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_generated_document_survives_a_round_trip(case: Case, tmp_path: Path) -> None:
    document = _subset(case)
    module = registry.get(case.name)
    first = tmp_path / f"first{case.suffix}"
    written = module.write(document, first)
    assert written == len(document.record_list)
    parsed = _parse(case, first)
    assert_same(document.record_list, parsed.record_list, uuid=case.uuid, frames=case.frames)
    # and again from what was read: nothing drifts on a second pass
    second = tmp_path / f"second{case.suffix}"
    module.write(parsed, second)
    assert_same(parsed.record_list, _parse(case, second).record_list, uuid=True, frames=case.frames)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_format_is_guessed_from_what_was_written(case: Case, tmp_path: Path) -> None:
    target = tmp_path / f"no-extension-{case.name}"
    registry.get(case.name).write(_subset(case), target)
    expected = {"midog": {"midog", "coco"}}.get(case.name, {case.name})
    assert registry.guess_format(target) in expected


def test_the_flat_csv_keeps_every_field(tmp_path: Path) -> None:
    document = generated_document()
    record = document.record_list[0]
    record.deleted, record.concealed, record.blurred, record.score = True, True, True, 0.25
    record.meta_data = {"stain": "HE", "n": 3}
    record.user, record.last_editor = "alice", "bob"
    record.time, record.last_edit_time = "2024-01-02T03:04:05.000006", "2024-02-03T04:05:06.000007"
    registry.get("csv").write(document, tmp_path / "all.csv")
    again = registry.get("csv").parse(tmp_path / "all.csv").materialize()
    assert again.record_list == document.record_list


def test_sliderunner_keeps_votes_deletion_and_descriptions(tmp_path: Path) -> None:
    document = _subset(CASES[2])
    document.record_list[0].deleted = True
    document.record_list[0].votes.append(Vote("bob", "Tumour"))
    registry.get("sliderunner").write(document, tmp_path / "db.sqlite")
    again = registry.get("sliderunner").parse(tmp_path / "db.sqlite").materialize()
    by_uuid = {r.unique_identifier: r for r in again.record_list}
    first = by_uuid[document.record_list[0].unique_identifier]
    assert first.deleted is True
    assert [(v.person, v.class_name) for v in first.votes] == [
        ("alice", "Region"),
        ("bob", "Tumour"),
    ]
    assert first.class_name == "Region"
    assert {r.description for r in again.record_list} == {
        r.description for r in document.record_list
    }


def test_geojson_keeps_holes_and_splits_multipolygons(tmp_path: Path) -> None:
    path = tmp_path / "holes.geojson"
    path.write_text(
        '{"type": "Feature", "id": "f1", "geometry": {"type": "MultiPolygon", "coordinates": ['
        "[[[0,0],[100,0],[100,100],[0,100],[0,0]],[[10,10],[20,10],[20,20],[10,10]]],"
        '[[[200,200],[300,210],[250,300],[200,200]]]]}, "properties": {"classification": '
        '{"name": "Tumour", "color": [255, 0, 0]}, "measurements": {"Area": 5.5}}}'
    )
    document = registry.get("geojson").parse(path).materialize()
    assert [r.shape.kind for r in document.record_list] == [VectorType.POLYGON, VectorType.POLYGON]
    assert document.record_list[0].shape.holes == [[(10, 10), (20, 10), (20, 20)]]
    assert document.record_list[0].unique_identifier == "f1"
    assert document.record_list[1].unique_identifier not in (None, "f1")
    assert document.record_list[0].meta_data == {"measurements": {"Area": 5.5}}
    assert document.classes["Tumour"].colour == "#ff0000"
    registry.get("geojson").write(document, tmp_path / "again.geojson")
    again = (
        registry.get("geojson").parse(tmp_path / "again.geojson", image_name="holes").materialize()
    )
    assert again.record_list == document.record_list


@pytest.mark.parametrize("name", ["asap", "geojson"])
def test_a_single_image_format_writes_only_the_image_asked_for(name: str, tmp_path: Path) -> None:
    document = generated_document()
    module = registry.get(name)
    written = module.write(document, tmp_path / "one", image_name="slide-b.svs")
    again = module.parse(tmp_path / "one", image_name="slide-b.svs").record_list
    assert written == len(again) == 5
    assert_same(
        [r for r in document.record_list if r.image_name == "slide-b.svs" and kind(r) in ON_IMAGE],
        again,
        uuid=name == "geojson",
        frames=False,
    )
