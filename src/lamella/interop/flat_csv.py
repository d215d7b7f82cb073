"""A flat CSV, one row per annotation, that keeps everything a record holds.

Columns: ``image, class, vector_type, unique_identifier, vector`` (EXACT's JSON, empty for
"not in image"), ``x_min, y_min, x_max, y_max`` (for spreadsheets; ignored when read back),
``deleted, concealed, blurred, description, score, colour, user, last_editor, time,
last_edit_time, meta_data`` (JSON) and ``votes`` (JSON list of ``{person, class_name,
verified}``). Only ``image``, ``class`` and ``vector`` are needed to read a file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from lamella.interop._files import Source, open_text, write_text
from lamella.interop.exact_text import split_vector
from lamella.interop.model import Document, ParseError, Record, Shape, Vote, to_number
from lamella.interop.wkt_csv import sniff_dialect

NAME = "csv"
COLUMNS = [
    "image", "class", "vector_type", "unique_identifier", "vector",
    "x_min", "y_min", "x_max", "y_max",
    "deleted", "concealed", "blurred", "description", "score", "colour",
    "user", "last_editor", "time", "last_edit_time", "meta_data", "votes",
]  # fmt: skip
_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"", "0", "false", "no", "n", "f"}


def parse(source: Source) -> Document:
    """Read flat CSV rows; records stream as the file is read."""
    document = Document(records=[])
    document.records = _records(source, document)
    return document


def _records(source: Source, document: Document) -> Iterator[Record]:
    with open_text(source) as handle:
        sample = handle.read(4096)
        handle.seek(0)
        reader = csv.DictReader(handle, dialect=sniff_dialect(sample))
        missing = {"image", "class", "vector"} - set(reader.fieldnames or [])
        if missing:
            raise ParseError(
                f"missing column(s) {', '.join(sorted(missing))}", location="line 1 (header)"
            )
        for row in reader:
            record = _record(row, f"line {reader.line_num}")
            document.class_info(record.class_name)
            yield record


def _bool(value: str | None, name: str, location: str) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ParseError(f"{name} {value!r} is not true or false", location=location)


def _json(value: str | None, name: str, kind: type, location: str) -> Any:
    if not value:
        return kind()
    try:
        data = json.loads(value)
    except json.JSONDecodeError as error:
        raise ParseError(f"{name} is not valid JSON ({error.msg})", location=location) from None
    if not isinstance(data, kind):
        raise ParseError(f"{name} must be a JSON {kind.__name__}", location=location)
    return data


def _record(row: dict[str, str], location: str) -> Record:
    image, class_name = (row.get("image") or "").strip(), (row.get("class") or "").strip()
    if not image or not class_name:
        raise ParseError("the image and the class must not be empty", location=location)
    text = (row.get("vector") or "").strip()
    vector = None
    if text:
        vector, rest = split_vector(text, location)
        if rest.strip():
            raise ParseError("unexpected text after the vector", location=location)
    vector_type = None
    if (row.get("vector_type") or "").strip():
        vector_type = int(to_number(row["vector_type"], location=location, what="vector_type"))
    score = None
    if (row.get("score") or "").strip():
        score = float(to_number(row["score"], location=location, what="score"))
    votes = []
    for item in _json(row.get("votes"), "votes", list, location):
        if not isinstance(item, dict) or not isinstance(item.get("person"), str):
            raise ParseError("each vote needs a 'person'", location=location)
        votes.append(Vote(item["person"], item.get("class_name"), item.get("verified")))
    return Record(
        image_name=image,
        class_name=class_name,
        shape=Shape(vector_type, vector),
        unique_identifier=(row.get("unique_identifier") or "").strip() or None,
        deleted=_bool(row.get("deleted"), "deleted", location),
        concealed=_bool(row.get("concealed"), "concealed", location),
        blurred=_bool(row.get("blurred"), "blurred", location),
        description=row.get("description") or "",
        meta_data=_json(row.get("meta_data"), "meta_data", dict, location),
        score=score,
        votes=votes,
        colour=row.get("colour") or None,
        user=row.get("user") or None,
        last_editor=row.get("last_editor") or None,
        time=row.get("time") or None,
        last_edit_time=row.get("last_edit_time") or None,
    )


def write(document: Document, target: Source) -> int:
    """Write one row per record (deleted ones included, flagged); returns the count."""
    with write_text(target) as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        count = 0
        for record in document:
            writer.writerow(_row(record))
            count += 1
        return count


def _row(record: Record) -> list[Any]:
    shape = record.shape
    box = shape.bbox() or ("", "", "", "")
    votes = [vars(vote) for vote in record.votes]
    return [
        record.image_name,
        record.class_name,
        "" if shape.vector_type is None else int(shape.vector_type),
        record.unique_identifier or "",
        "" if shape.vector is None else json.dumps(shape.vector),
        *box,
        int(record.deleted),
        int(record.concealed),
        int(record.blurred),
        record.description,
        "" if record.score is None else record.score,
        record.colour or "",
        record.user or "",
        record.last_editor or "",
        record.time or "",
        record.last_edit_time or "",
        json.dumps(record.meta_data) if record.meta_data else "",
        json.dumps(votes) if votes else "",
    ]
