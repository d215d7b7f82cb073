"""EXACT's label text format: one line per annotation, ``imagename|type|{vector}|flags|uuid``.

This is what EXACT's "upload labels" form reads and its default export format writes
(``exact.md`` section 6). ``flags`` is a subset of ``b`` (blurred) and ``c`` (concealed); a vector
of ``not in image`` or ``{}`` is EXACT's null vector. The line does not carry the vector type:
pass ``class_vector_types`` to parse, otherwise ``Shape.vector_type`` stays ``None`` and the
annotation type decides.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any, TextIO

from lamella.interop._files import Source, open_text, write_text
from lamella.interop.model import (
    Document,
    ParseError,
    Record,
    Shape,
    VectorType,
    to_number,
)

NAME = "exact"
NOT_IN_IMAGE = "not in image"
_KEY = re.compile(r"^(?:[xy][1-9]\d*|frame)$")
_decoder = json.JSONDecoder()


def parse(source: Source, *, class_vector_types: Mapping[str, int] | None = None) -> Document:
    """Read EXACT label lines; records stream as the file is read."""
    document = Document(records=[])
    document.records = _records(source, document, dict(class_vector_types or {}))
    return document


def _records(source: Source, document: Document, types: dict[str, int]) -> Iterator[Record]:
    with open_text(source) as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            record = parse_line(line, location=f"line {number}", class_vector_types=types)
            document.class_info(record.class_name)
            yield record


def parse_line(
    line: str, *, location: str = "line", class_vector_types: Mapping[str, int] | None = None
) -> Record:
    """One label line as a record; :class:`ParseError` names ``location`` and the problem."""
    line = line.replace(",}", "}")
    parts = line.split("|", 2)
    if len(parts) < 3:
        raise ParseError("expected imagename|type|vector", location=location)
    image_name, class_name, rest = parts
    if not image_name or not class_name:
        raise ParseError("the image name and the type must not be empty", location=location)
    vector, rest = split_vector(rest, location)
    flags, unique_identifier = "", None
    if rest:
        if not rest.startswith("|"):
            raise ParseError(f"unexpected text after the vector: {rest[:40]!r}", location=location)
        tail = rest[1:].split("|")
        flags = tail[0].strip()
        if len(tail) > 1 and tail[1].strip():
            unique_identifier = tail[1].strip()
        if len(tail) > 2:
            raise ParseError("too many fields", location=location)
    unknown = set(flags) - {"b", "c"}
    if unknown:
        raise ParseError(f"unknown flags {''.join(sorted(unknown))!r}", location=location)
    vector_type = (class_vector_types or {}).get(class_name)
    if vector_type is None and vector is not None and set(vector) == {"frame"}:
        vector_type = VectorType.GLOBAL
    if vector == {} and vector_type != VectorType.GLOBAL:
        vector = None
    return Record(
        image_name=image_name,
        class_name=class_name,
        shape=Shape(vector_type, vector),
        unique_identifier=unique_identifier,
        blurred="b" in flags,
        concealed="c" in flags,
    )


def split_vector(rest: str, location: str) -> tuple[dict[str, Any] | None, str]:
    if rest.lower().startswith(NOT_IN_IMAGE):
        return None, rest[len(NOT_IN_IMAGE) :]
    if not rest.startswith("{"):
        raise ParseError(
            f"the vector must be a JSON object or 'not in image', not {rest[:40]!r}",
            location=location,
        )
    try:
        value, end = _decoder.raw_decode(rest)
    except json.JSONDecodeError as error:
        raise ParseError(
            f"the vector is not valid JSON ({error.msg} at column {error.pos + 1})",
            location=location,
        ) from None
    if not isinstance(value, dict):
        raise ParseError("the vector must be a JSON object", location=location)
    vector: dict[str, Any] = {}
    for key, item in value.items():
        if not _KEY.match(key):
            raise ParseError(f"unexpected vector key {key!r}", location=location)
        vector[key] = to_number(item, location=location, what=f"vector value {key}")
    return vector, rest[end:]


def format_line(record: Record) -> str:
    """One record as a label line (EXACT's default export format plus flags and uuid)."""
    vector = record.shape.vector
    text = NOT_IN_IMAGE if vector is None else json.dumps(vector, separators=(",", ": "))
    flags = ("b" if record.blurred else "") + ("c" if record.concealed else "")
    fields = [record.image_name, record.class_name, text, flags, record.unique_identifier or ""]
    for index, value in enumerate(fields[:2]):
        if "|" in value or "\n" in value:
            what = "image name" if index == 0 else "type name"
            raise ValueError(f"the {what} {value!r} cannot hold '|' or a line break")
    return "|".join(fields)


def write(document: Document, target: Source, *, include_deleted: bool = False) -> int:
    """Write one line per record (deleted ones only when asked); returns the count written."""
    with write_text(target) as out:
        return _write(document, out, include_deleted)


def _write(document: Document, out: TextIO, include_deleted: bool) -> int:
    count = 0
    for record in document:
        if record.deleted and not include_deleted:
            continue
        out.write(format_line(record) + "\n")
        count += 1
    return count
