"""SlideRunner SQLite databases: both schema generations (``peers.md`` section 2.7).

Version 0 files (MITOS2014, TUPAC, ...) lack ``guid``, ``deleted``, ``description``,
``coordinateZ`` and colours; later ones have them. Annotation types as SlideRunner numbers them:
1 spot, 2 area (rectangle), 3 polygon, 4 special spot, 5 circle (stored as its bounding box),
6 image-level label. Each row of ``Annotations_label`` is one person's vote; the record's class
is ``agreedClass`` when set, else the most frequent vote (the earliest on a tie).

Reading streams: three cursors ordered by annotation id are merged, so memory stays flat.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import IO, Any, cast

from lamella.interop import sliderunner_write
from lamella.interop._files import Source, is_path
from lamella.interop.model import (
    DEFAULT_POINT_RADIUS,
    ClassInfo,
    Document,
    ParseError,
    Record,
    Shape,
    VectorType,
    Vote,
)

NAME = "sliderunner"
log = logging.getLogger(__name__)

SPOT, AREA, POLYGON, SPECIAL_SPOT, CIRCLE, IMAGE_ANNOTATION = 1, 2, 3, 4, 5, 6

REQUIRED = {
    "Slides": {"uid", "filename"},
    "Annotations": {"uid", "slide", "type", "agreedClass"},
    "Annotations_coordinates": {"coordinateX", "coordinateY", "annoId", "orderIdx"},
    "Annotations_label": {"person", "class", "annoId"},
    "Classes": {"uid", "name"},
    "Persons": {"uid", "name"},
}

write = sliderunner_write.write


def parse(
    source: Source,
    *,
    point_radius: float = DEFAULT_POINT_RADIUS,
    skip_unknown: bool = False,
    on_skip: Callable[[str, str], None] | None = None,
) -> Document:
    """Read a SlideRunner database. Spots become points of ``point_radius`` (SlideRunner keeps
    no size); unknown annotation types raise :class:`ParseError` unless ``skip_unknown``, and
    are then passed to ``on_skip(location, problem)`` when given."""
    with _connect(source) as connection:
        columns = _check_schema(connection)
        document = Document(records=[])
        classes = _classes(connection, columns, document)
        persons = dict(connection.execute("SELECT uid, name FROM Persons"))
        slides = _slides(connection, columns, document)
    document.records = _records(
        source, columns, slides, classes, persons, point_radius, skip_unknown, on_skip
    )
    return document


@contextmanager
def _connect(source: Source) -> Iterator[sqlite3.Connection]:
    with _as_path(source) as path:
        uri = f"{Path(path).resolve().as_uri()}?mode=ro"
        try:
            connection = sqlite3.connect(uri, uri=True)
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as error:
            raise ParseError(f"not an SQLite database ({error})", location="file") from None
        with closing(connection):
            yield connection


@contextmanager
def _as_path(source: Source) -> Iterator[str]:
    if is_path(source):
        yield str(source)
        return
    # sqlite3 reads only named files: copy an open file to a temporary one
    handle = cast(IO[bytes], source)
    if handle.seekable():
        handle.seek(0)  # read twice: once for the schema, once for the records
    with tempfile.NamedTemporaryFile(suffix=".sqlite") as copy:
        shutil.copyfileobj(handle, copy)
        copy.flush()
        yield copy.name


def _check_schema(connection: sqlite3.Connection) -> dict[str, set[str]]:
    columns: dict[str, set[str]] = {}
    for table, needed in REQUIRED.items():
        found = {row[1] for row in connection.execute(f"PRAGMA table_info('{table}')")}
        if not found:
            raise ParseError("missing: not a SlideRunner database", location=f"table {table}")
        missing = needed - found
        if missing:
            raise ParseError(
                f"missing columns {', '.join(sorted(missing))}: not a SlideRunner database",
                location=f"table {table}",
            )
        columns[table] = found
    return columns


def _classes(
    connection: sqlite3.Connection, columns: dict[str, set[str]], document: Document
) -> dict[int, str]:
    colour = "color" if "color" in columns["Classes"] else "NULL"
    classes = {}
    for uid, name, value in connection.execute(f"SELECT uid, name, {colour} FROM Classes"):
        classes[uid] = str(name)
        document.classes[str(name)] = ClassInfo(str(name), value or None)
    return classes


def _slides(
    connection: sqlite3.Connection, columns: dict[str, set[str]], document: Document
) -> dict[int, str]:
    extra = [
        c
        for c in ("width", "height", "directory", "uuid", "exactImageID")
        if c in columns["Slides"]
    ]
    query = f"SELECT uid, filename, {', '.join(extra) or 'NULL'} FROM Slides"
    slides: dict[int, str] = {}
    sizes: dict[str, set[tuple[int, int] | None]] = {}
    for row in connection.execute(query):
        uid, name = row[0], str(row[1])
        slides[uid] = name
        values = dict(zip(extra, row[2:], strict=False))
        size = None
        if values.get("width") and values.get("height"):
            size = (int(values["width"]), int(values["height"]))
        sizes.setdefault(name, set()).add(size)
        meta = {
            k: v for k, v in values.items() if k not in ("width", "height") and v not in (None, "")
        }
        if meta:
            document.image_meta[name] = meta
    for name, known in sizes.items():
        # several slides of one name (CMC_TUPAC: one per fold) and unlike sizes: no size is known
        only = next(iter(known))
        if len(known) == 1 and only is not None:
            document.images[name] = only
    return slides


def _records(
    source: Source,
    columns: dict[str, set[str]],
    slides: dict[int, str],
    classes: dict[int, str],
    persons: dict[int, str],
    point_radius: float,
    skip_unknown: bool,
    on_skip: Callable[[str, str], None] | None = None,
) -> Iterator[Record]:
    annotation_columns = columns["Annotations"]
    optional = [
        c for c in ("guid", "deleted", "description", "lastModified") if c in annotation_columns
    ]
    z = "coordinateZ" if "coordinateZ" in columns["Annotations_coordinates"] else "0"
    with _connect(source) as connection:
        annotations = connection.execute(
            f"SELECT uid, slide, type, agreedClass, {', '.join(optional) or 'NULL'} "
            "FROM Annotations ORDER BY uid"
        )
        coordinates = _grouped(
            connection.execute(
                f"SELECT annoId, coordinateX, coordinateY, {z} FROM Annotations_coordinates "
                "ORDER BY annoId, orderIdx, uid"
            )
        )
        labels = _grouped(
            connection.execute(
                "SELECT annoId, person, class FROM Annotations_label ORDER BY annoId, uid"
            )
        )
        for row in annotations:
            uid, slide, kind, agreed = row[:4]
            extra = dict(zip(optional, row[4:], strict=False))
            location = f"annotation uid={uid}"
            points = coordinates.take(uid)
            votes_raw = labels.take(uid)
            if slide not in slides:
                raise ParseError(f"slide {slide} is not in Slides", location=location)
            shape = _shape(kind, points, point_radius, location)
            if shape is None:
                if skip_unknown:
                    log.warning("skipped %s: unknown SlideRunner type %s", location, kind)
                    if on_skip is not None:
                        on_skip(location, f"unknown SlideRunner annotation type {kind}")
                    continue
                raise ParseError(f"unknown SlideRunner annotation type {kind}", location=location)
            votes = [_vote(person, cls, classes, persons, location) for person, cls in votes_raw]
            yield Record(
                image_name=slides[slide],
                class_name=_class_name(agreed, votes, classes, location),
                shape=shape,
                unique_identifier=extra.get("guid") or None,
                deleted=bool(extra.get("deleted") or 0),
                description=extra.get("description") or "",
                votes=votes,
                last_edit_time=sliderunner_write.iso_time(extra.get("lastModified")),
            )


class _grouped:
    """Rows ``(annoId, ...)`` ordered by ``annoId``, handed out one annotation at a time."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._rows = iter(cursor)
        self._next: tuple[Any, ...] | None = next(self._rows, None)

    def take(self, anno_id: int) -> list[tuple[Any, ...]]:
        # rows of annotations that do not exist (orphans) are passed over
        while self._next is not None and (self._next[0] is None or self._next[0] < anno_id):
            self._next = next(self._rows, None)
        taken = []
        while self._next is not None and self._next[0] == anno_id:
            taken.append(self._next[1:])
            self._next = next(self._rows, None)
        return taken


def _shape(kind: int, points: list[tuple[Any, ...]], radius: float, location: str) -> Shape | None:
    frame = None
    if points and points[0][2]:
        frame = int(points[0][2]) + 1  # SlideRunner's z is 0-based, EXACT's frame 1-based
    if kind == IMAGE_ANNOTATION:
        return Shape.global_(frame)
    if kind not in (SPOT, AREA, POLYGON, SPECIAL_SPOT, CIRCLE):
        return None
    xy = []
    for x, y, _ in points:
        if x is None or y is None:
            raise ParseError("a coordinate is NULL", location=location)
        if not isinstance(x, int | float) or not isinstance(y, int | float):
            raise ParseError(f"coordinate ({x!r}, {y!r}) is not a number", location=location)
        xy.append((float(x), float(y)))
    needed = {SPOT: 1, SPECIAL_SPOT: 1, AREA: 2, CIRCLE: 2, POLYGON: 3}[kind]
    if len(xy) < needed:
        raise ParseError(
            f"type {kind} needs {needed} coordinates, has {len(xy)}", location=location
        )
    if kind in (SPOT, SPECIAL_SPOT):
        shape = Shape.point(xy[0][0], xy[0][1], radius, frame=frame)
        shape.hint = "special_spot" if kind == SPECIAL_SPOT else None
        return shape
    if kind == AREA:
        return Shape.box(*xy[0], *xy[1], frame=frame)
    if kind == CIRCLE:
        box = Shape.box(*xy[0], *xy[1], frame=frame)
        return Shape(VectorType.POINT, box.vector, hint="circle")
    if len(xy) > 3 and xy[0] == xy[-1]:
        xy.pop()  # version 1 closes polygons by repeating the first point
    return Shape.from_points(VectorType.POLYGON, xy, frame=frame)


def _vote(
    person: int, cls: int, classes: dict[int, str], persons: dict[int, str], location: str
) -> Vote:
    if cls not in classes:
        raise ParseError(f"a label names class {cls}, which is not in Classes", location=location)
    return Vote(person=str(persons.get(person, f"person {person}")), class_name=classes[cls])


def _class_name(agreed: Any, votes: list[Vote], classes: dict[int, str], location: str) -> str:
    if agreed and agreed in classes:
        return classes[agreed]
    if not votes:
        raise ParseError("the annotation has no class and no label", location=location)
    counts = Counter(vote.class_name for vote in votes)
    best = max(counts.values())
    return next(str(v.class_name) for v in votes if counts[v.class_name] == best)
