"""A file parsed in a process beside the importer reads exactly as it does in one process."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from lamella.interop import beside, coco, geojson
from lamella.interop.model import Document, ParseError, Record

COUNT = 2_500  # three messages of beside.BATCH_RECORDS


def write_coco(path: Path, count: int = COUNT, *, broken_at: int | None = None) -> Path:
    annotations: list[dict[str, Any]] = []
    for n in range(count):
        item: dict[str, Any] = {"id": n + 1, "image_id": n % 2 + 1, "category_id": n % 3 + 1}
        if n % 2:
            item["bbox"] = [10 + n, 20, 30, 40]
        else:
            item["segmentation"] = [[10, 10, 60 + n % 7, 10, 35, 50]]
            item["bbox"] = [10, 10, 50 + n % 7, 40]
        if n == broken_at:
            del item["bbox"], item["segmentation"]
        annotations.append(item)
    data = {
        "info": {"description": "generated"},
        "images": [
            {"id": i, "file_name": f"slide-{i}.tiff", "width": 5000, "height": 4000} for i in (1, 2)
        ],
        "categories": [{"id": i, "name": name} for i, name in enumerate("abc", start=1)],
        "annotations": annotations,
    }
    path.write_text(json.dumps(data))
    return path


def read_all(document: Document) -> list[Record]:
    return list(document)


def test_a_coco_file_reads_the_same_beside_as_in_process(tmp_path: Path) -> None:
    path = write_coco(tmp_path / "a.json")

    here = coco.parse(str(path))
    expected = read_all(here)
    there = beside.parse("coco", path, {})
    found = read_all(there)

    assert len(found) == COUNT
    assert found == expected
    assert there.classes == here.classes
    assert there.images == here.images
    assert there.meta == here.meta == {"info": {"description": "generated"}}


def test_classes_met_on_the_way_arrive_with_their_records(tmp_path: Path) -> None:
    features = [
        {
            "type": "Feature",
            "id": f"00000000-0000-4000-8000-{n:012x}",
            "geometry": {"type": "Point", "coordinates": [100 + n, 100]},
            # a new class every 1,000 features: each message brings its own
            "properties": {"classification": {"name": f"class-{n // 1000}", "color": [9, 0, 0]}},
        }
        for n in range(COUNT)
    ]
    path = tmp_path / "slide.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))

    here = geojson.parse(str(path))
    expected = read_all(here)
    there = beside.parse("geojson", path, {"point_radius": 10.0})
    seen_classes = []
    found = []
    for record in there:
        seen_classes.append(record.class_name in there.classes)
        found.append(record)

    assert all(seen_classes)
    assert sorted(there.classes) == ["class-0", "class-1", "class-2"]
    assert [r.unique_identifier for r in found] == [r.unique_identifier for r in expected]
    assert found[5].shape.vector == {"x1": 95, "y1": 90, "x2": 115, "y2": 110}


def test_a_problem_mid_file_comes_after_the_records_before_it(tmp_path: Path) -> None:
    path = write_coco(tmp_path / "a.json", broken_at=1_500)

    def read(document_of: Any) -> tuple[int, ParseError]:
        count = 0
        with pytest.raises(ParseError) as caught:
            for _ in document_of():
                count += 1
        return count, caught.value

    here_count, here_error = read(lambda: coco.parse(str(path)))
    there_count, there_error = read(lambda: beside.parse("coco", path, {}))

    assert there_count == here_count == 1_500
    assert there_error.location == here_error.location
    assert there_error.problem == here_error.problem


def test_a_file_of_another_format_fails_before_the_first_record(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text('{"images": []}')

    with pytest.raises(ParseError) as caught:
        beside.parse("coco", path, {})

    assert caught.value.location == "top level"
    assert "annotations" in caught.value.problem


def test_a_missing_file_is_an_os_error_and_a_broken_parser_a_beside_error(
    tmp_path: Path,
) -> None:
    with pytest.raises(OSError, match="No such file"):
        beside.parse("coco", tmp_path / "nothing.json", {})
    with pytest.raises(beside.BesideError, match="ModuleNotFoundError"):
        beside.parse("no_such_format", write_coco(tmp_path / "a.json"), {})


def test_leaving_early_stops_the_parser_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[subprocess.Popen[bytes]] = []

    class Recorded(subprocess.Popen):  # type: ignore[type-arg]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(beside.subprocess, "Popen", Recorded)
    # ~4 MB of records: more than the pipe holds, so the child is still at work
    records = iter(beside.parse("coco", write_coco(tmp_path / "a.json", 20_000), {}))
    next(records)
    assert started[0].poll() is None

    records.close()  # type: ignore[attr-defined]

    assert started[0].returncode == -signal.SIGKILL


def test_only_plain_options_cross_to_the_child() -> None:
    assert beside.usable({"image_name": "a.svs", "point_radius": 25.0})
    assert not beside.usable({"on_skip": lambda where, problem: None})
