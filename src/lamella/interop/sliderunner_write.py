"""Writing a SlideRunner database: the current schema, ``user_version`` 1.

SlideRunner migrates a version-1 file when it opens it (it then registers its own SQL functions
and installs its ``lastModified``/``guid`` triggers), so no trigger is written here: a trigger
calling ``generate_uuid()`` would break every other program that opens the file.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import tempfile
import time
import uuid
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

from lamella.interop._files import Source, atomic_path, is_path
from lamella.interop.model import DEFAULT_POINT_RADIUS, Document, Record, VectorType

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE Annotations_label (uid INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
    person INTEGER, class INTEGER, exact_id INTEGER, annoId INTEGER);
CREATE TABLE Annotations_coordinates (uid INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
    coordinateX INTEGER, coordinateY INTEGER, coordinateZ INTEGER DEFAULT 0,
    slide INTEGER, annoId INTEGER, orderIdx INTEGER);
CREATE TABLE Annotations (uid INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
    slide INTEGER, guid TEXT, lastModified REAL DEFAULT 0, deleted INTEGER DEFAULT 0,
    type INTEGER, agreedClass INTEGER, description TEXT, clickable INTEGER DEFAULT 1);
CREATE TABLE Classes (uid INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
    name TEXT, clickable INTEGER DEFAULT 1, color TEXT);
CREATE TABLE Persons (uid INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
    name TEXT, isExactUser INTEGER DEFAULT 0);
CREATE TABLE Slides (uid INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE,
    filename TEXT, width INTEGER, height INTEGER, directory TEXT, uuid TEXT,
    EXACTUSER INTEGER DEFAULT 0, exactImageID TEXT);
CREATE TABLE Log (uid INTEGER PRIMARY KEY AUTOINCREMENT, dateTime FLOAT, labelId INTEGER);
PRAGMA user_version = 1;
"""

_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def iso_time(seconds: Any) -> str | None:
    """A Unix time as EXACT's naive ISO string with microseconds (UTC)."""
    if not isinstance(seconds, int | float) or seconds <= 0:
        return None
    moment = datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    return moment.strftime(_TIME_FORMAT)


def _unix_time(text: str | None) -> float:
    if text:
        try:
            return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=UTC).timestamp()
        except ValueError:
            pass
    return time.time()


def write(
    document: Document,
    target: Source,
    *,
    point_radius: float = DEFAULT_POINT_RADIUS,
    person: str = "Lamella",
) -> int:
    """Write ``document`` as a new SlideRunner database; returns the annotations written.

    Records without a vote get one label by ``person``. Shapes SlideRunner cannot hold
    (lines, "not in image", segmentation) are skipped and logged.
    """
    if is_path(target):
        with atomic_path(target) as temporary:
            return _write_file(document, temporary, point_radius, person)
    handle = cast(IO[bytes], target)
    with closing(_TempDb()) as temp:
        count = _write_file(document, temp.path, point_radius, person)
        with temp.path.open("rb") as data:
            shutil.copyfileobj(data, handle)
    return count


class _TempDb:
    """A scratch database file for writing into an open file object."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory()
        self.path = Path(self._dir.name) / "out.sqlite"

    def close(self) -> None:
        self._dir.cleanup()


class _Ids:
    """Rows created on first use: name -> uid."""

    def __init__(self, connection: sqlite3.Connection, sql: str) -> None:
        self._connection, self._sql = connection, sql
        self._ids: dict[Any, int] = {}

    def get(self, key: Any, *values: Any) -> int:
        if key not in self._ids:
            cursor = self._connection.execute(self._sql, values or (key,))
            self._ids[key] = int(cursor.lastrowid or 0)
        return self._ids[key]


def _write_file(document: Document, path: Path, point_radius: float, person: str) -> int:
    path.unlink(missing_ok=True)
    with closing(sqlite3.connect(path)) as connection:
        connection.executescript(SCHEMA)
        classes = _Ids(connection, "INSERT INTO Classes (name, color) VALUES (?, ?)")
        persons = _Ids(connection, "INSERT INTO Persons (name) VALUES (?)")
        slides = _Ids(
            connection,
            "INSERT INTO Slides (filename, width, height, directory, uuid, exactImageID) "
            "VALUES (?, ?, ?, ?, ?, ?)",
        )
        for info in document.classes.values():
            classes.get(info.name, info.name, info.colour)
        count = 0
        for record in document:
            kind, rows = _rows(record, point_radius)
            if kind is None:
                log.warning("skipped a %s record of %s", record.class_name, record.image_name)
                continue
            slide = _slide(slides, document, record.image_name)
            class_id = classes.get(record.class_name, record.class_name, None)
            cursor = connection.execute(
                "INSERT INTO Annotations (slide, guid, lastModified, deleted, type, agreedClass,"
                " description) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    slide,
                    record.unique_identifier or str(uuid.uuid4()),
                    _unix_time(record.last_edit_time),
                    int(record.deleted),
                    kind,
                    class_id,
                    record.description or None,
                ),
            )
            anno_id = cursor.lastrowid
            z = (record.shape.frame or 1) - 1
            connection.executemany(
                "INSERT INTO Annotations_coordinates (coordinateX, coordinateY, coordinateZ, "
                "slide, annoId, orderIdx) VALUES (?, ?, ?, ?, ?, ?)",
                [(x, y, z, slide, anno_id, i) for i, (x, y) in enumerate(rows, start=1)],
            )
            votes = [v for v in record.votes if v.class_name]
            labels = [(v.person, v.class_name) for v in votes] or [
                (record.user or person, record.class_name)
            ]
            for name, class_name in labels:
                connection.execute(
                    "INSERT INTO Annotations_label (person, class, annoId) VALUES (?, ?, ?)",
                    (persons.get(name), classes.get(class_name, class_name, None), anno_id),
                )
            count += 1
        connection.commit()
    return count


def _slide(slides: _Ids, document: Document, name: str) -> int:
    width, height = document.images.get(name, (None, None))
    meta = document.image_meta.get(name, {})
    return slides.get(
        name, name, width, height, meta.get("directory"), meta.get("uuid"), meta.get("exactImageID")
    )


def _rows(record: Record, point_radius: float) -> tuple[int | None, list[tuple[Any, Any]]]:
    shape = record.shape
    kind = shape.kind
    if shape.not_in_image or kind is None:
        return None, []
    if kind == VectorType.GLOBAL:
        return 6, [(None, None)]
    box = shape.bbox()
    if box is None:
        return None, []
    x0, y0, x1, y1 = (round(v) for v in box)
    if kind == VectorType.POINT:
        centre = shape.centre() or (0.0, 0.0)
        cx, cy = round(centre[0]), round(centre[1])
        if shape.hint == "special_spot":
            return 4, [(cx, cy)]
        if shape.hint == "circle" or abs(shape.radius() - point_radius) > 0.5:
            return 5, [(x0, y0), (x1, y1)]
        return 1, [(cx, cy)]
    if kind in (VectorType.BOUNDING_BOX, VectorType.FIXED_SIZE_BOUNDING_BOX):
        return 2, [(x0, y0), (x1, y1)]
    if kind == VectorType.POLYGON:
        points = [(round(x), round(y)) for x, y in shape.points()]
        return 3, [*points, points[0]]
    return None, []
