"""SlideRunner databases: counts, classes and votes against direct sqlite3 queries."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from lamella.interop import sliderunner
from lamella.interop.model import ParseError, Record, VectorType
from tests.conftest import testdata as shared_file
from tests.interop.helpers import assert_same

FILES = [
    "CCMCT_HighMCAreas.sqlite",
    "CMC_TUPAC.sqlite",
    "MITOS2012.sqlite",
    "MITOS2014.sqlite",
    "SlideRunner_demo.sqlite",
    "TUPAC_Mitosis_ROI.sqlite",
]
EXPECTED_KIND = {
    1: VectorType.POINT,
    2: VectorType.BOUNDING_BOX,
    3: VectorType.POLYGON,
    5: VectorType.POINT,
}


def _query(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(sql).fetchall()


@pytest.mark.testdata
@pytest.mark.parametrize("name", FILES)
def test_a_sliderunner_database_reads_like_sqlite_says(name: str) -> None:
    path = shared_file(f"sliderunner-sqlite/{name}")
    document = sliderunner.parse(path).materialize()
    records = document.record_list
    assert len(records) == _query(path, "SELECT count(*) FROM Annotations")[0][0]
    types = Counter(t for (t,) in _query(path, "SELECT type FROM Annotations"))
    kinds = Counter(r.shape.kind for r in records)
    expected: Counter[int] = Counter()
    for sliderunner_type, count in types.items():
        expected[EXPECTED_KIND[int(str(sliderunner_type))]] += count
    assert kinds == expected
    assert set(document.classes) == {n for (n,) in _query(path, "SELECT name FROM Classes")}
    labels = _query(path, "SELECT count(*) FROM Annotations_label")[0][0]
    assert sum(len(r.votes) for r in records) == labels
    agreed = Counter(
        n
        for (n,) in _query(
            path, "SELECT c.name FROM Annotations a JOIN Classes c ON c.uid = a.agreedClass"
        )
    )
    assert Counter(r.class_name for r in records) == agreed
    slides = {n for (n,) in _query(path, "SELECT filename FROM Slides")}
    assert {r.image_name for r in records} <= slides


@pytest.mark.testdata
def test_mitos2014_has_3633_spots_voted_on_by_3_persons() -> None:
    document = sliderunner.parse(shared_file("sliderunner-sqlite/MITOS2014.sqlite")).materialize()
    assert len(document.record_list) == 3633
    assert all(r.shape.kind == VectorType.POINT for r in document.record_list)
    assert {v.person for r in document.record_list for v in r.votes} == {
        "MITOS2014_1",
        "MITOS2014_2",
        "MITOS2014_3",
    }
    assert set(document.classes) == {"Mitosis", "Nonmitosis"}


@pytest.mark.testdata
def test_tupac_roi_has_444_rectangles() -> None:
    document = sliderunner.parse(
        shared_file("sliderunner-sqlite/TUPAC_Mitosis_ROI.sqlite")
    ).materialize()
    assert len(document.record_list) == 444
    assert {r.shape.kind for r in document.record_list} == {VectorType.BOUNDING_BOX}


@pytest.mark.testdata
def test_a_circle_is_read_from_its_bounding_box() -> None:
    document = sliderunner.parse(
        shared_file("sliderunner-sqlite/SlideRunner_demo.sqlite")
    ).materialize()
    circle = next(r for r in document.record_list if r.shape.hint == "circle")
    assert circle.shape.vector == {"x1": 14157, "y1": 11318, "x2": 14409, "y2": 11570}
    assert circle.shape.centre() == (14283, 11444)
    assert document.images == {"9374efe6ac06388cc877.svs": (52199, 40646)}


@pytest.mark.testdata
def test_the_newer_schema_gives_guids_and_edit_times() -> None:
    document = sliderunner.parse(shared_file("sliderunner-sqlite/CMC_TUPAC.sqlite")).materialize()
    first = document.record_list[0]
    assert first.unique_identifier == "04a64cb7-123a-4f4e-8dfb-bf62e1ceac42"
    assert first.last_edit_time == "2020-01-27T06:39:46.382816"
    assert document.classes["Mitosis"].colour == "#daf7a0"


@pytest.mark.testdata
@pytest.mark.parametrize("name", FILES)
def test_a_real_database_survives_a_round_trip(name: str, tmp_path: Path) -> None:
    document = sliderunner.parse(shared_file(f"sliderunner-sqlite/{name}")).materialize()
    sliderunner.write(document, tmp_path / "out.sqlite")
    again = sliderunner.parse(tmp_path / "out.sqlite").materialize()
    # version-0 files have no guid: the writer makes them, so compare uuids only where kept
    keeps_uuid = all(r.unique_identifier for r in document.record_list)
    assert_same(document.record_list, again.record_list, uuid=keeps_uuid)
    assert [len(r.votes) for r in sorted(document.record_list, key=_order)] == [
        len(r.votes) for r in sorted(again.record_list, key=_order)
    ]
    assert _query(tmp_path / "out.sqlite", "PRAGMA user_version")[0][0] == 1


def _order(record: Record) -> tuple[object, ...]:
    return (record.image_name, record.class_name, record.shape.bbox())


def test_a_sqlite_file_of_another_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE Annotations (id INTEGER, label TEXT)")
    with pytest.raises(ParseError) as caught:
        sliderunner.parse(path)
    assert "table" in caught.value.location
    assert "not a SlideRunner database" in caught.value.problem


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.sqlite"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(ParseError, match="not an SQLite database"):
        sliderunner.parse(path)


def test_a_label_naming_a_missing_class_names_the_annotation(tmp_path: Path) -> None:
    path = tmp_path / "bad.sqlite"
    with sqlite3.connect(path) as connection:
        connection.executescript(
            "CREATE TABLE Slides (uid INTEGER PRIMARY KEY, filename TEXT, width INT, height INT);"
            "CREATE TABLE Annotations (uid INTEGER PRIMARY KEY, slide INT, type INT,"
            " agreedClass INT);"
            "CREATE TABLE Annotations_coordinates (uid INTEGER PRIMARY KEY, coordinateX INT,"
            " coordinateY INT, slide INT, annoId INT, orderIdx INT);"
            "CREATE TABLE Annotations_label (uid INTEGER PRIMARY KEY, person INT, class INT,"
            " annoId INT);"
            "CREATE TABLE Classes (uid INTEGER PRIMARY KEY, name TEXT);"
            "CREATE TABLE Persons (uid INTEGER PRIMARY KEY, name TEXT);"
            "INSERT INTO Slides VALUES (1, 'a.svs', 10, 10);"
            "INSERT INTO Annotations VALUES (7, 1, 1, 0);"
            "INSERT INTO Annotations_coordinates VALUES (1, 5, 'five', 1, 7, 1);"
            "INSERT INTO Annotations_label VALUES (1, 1, 9, 7);"
        )
    with pytest.raises(ParseError) as caught:
        list(sliderunner.parse(path).record_list)
    assert caught.value.location == "annotation uid=7"
