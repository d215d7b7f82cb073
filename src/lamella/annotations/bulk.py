"""The fast path behind ``services.bulk_create_annotations``: validate, then write in bulk.

The ORM's ``bulk_create`` manages a few thousand annotations a second on the 2-core test machine;
an import of a million must not take minutes. So rows are prepared once as plain tuples and
written with ``executemany`` on SQLite and ``COPY`` on PostgreSQL (other backends:
``bulk_create``), into the same columns the ORM would write.

The spatial key (``cell``) is a generated column: the database fills it, whatever the path.
"""

import json
import math
import os
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from time import time_ns
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from lamella.annotations import bulk_sql
from lamella.annotations.geometry import VectorError, quick_extent, validate_vector
from lamella.annotations.models import Annotation, AnnotationHistory, AnnotationType
from lamella.images.models import Image

try:  # optional: encodes a vector ~5x faster than json.dumps
    import orjson
except ImportError:  # pragma: no cover - depends on the environment
    orjson = None  # type: ignore[assignment]

ANNOTATION_COLUMNS = (
    "id", "image_id", "annotation_type_id", "vector", "frame", "x_min", "y_min", "x_max",
    "y_max", "unique_identifier", "deleted", "description", "meta_data", "_concealed",
    "_blurred", "generated", "score", "time", "last_edit_time", "user_id", "last_editor_id",
)  # fmt: skip
# Positions in a prepared row: ANNOTATION_COLUMNS without id, user_id and last_editor_id.
IMAGE, TYPE, VECTOR, FRAME, UUID, DELETED, DESCRIPTION, META = 0, 1, 2, 3, 8, 9, 10, 11
TABLE = "annotations_annotation"
# Keys of an item that leave the rest of its row at the batch's defaults.
PLAIN_KEYS = frozenset(
    {"image", "image_id", "annotation_type", "annotation_type_id", "vector", "unique_identifier"}
)
# From "deleted" on, the columns of a written row are often the same for a whole batch.
SHARED_TAIL = ANNOTATION_COLUMNS.index("deleted")
CONCEALED, BLURRED, GENERATED, SCORE = 12, 13, 14, 15
X_MIN, Y_MIN = FRAME + 1, FRAME + 2
# What to_annotations() fills; the generated cell stays deferred (read on access).
FIELD_NAMES = [f.attname for f in Annotation._meta.concrete_fields if not f.generated]


@dataclass
class Batch:
    """Prepared rows in database form, plus what is needed to build model objects again."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    vectors: list[Any] = field(default_factory=list)
    metas: list[Any] = field(default_factory=list)
    times: list[tuple[datetime, datetime]] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    # Positions of the rows whose unique_identifier came with the item (the others are fresh).
    given: set[int] = field(default_factory=set)
    # Fresh identifiers handed out again in the order written (position -> hex), and how many
    # rows took the batch's default tail (RowMaker.plain_tail).
    uuids: dict[int, str] = field(default_factory=dict)
    plain: int = 0
    user: Any = None
    now: datetime = field(default_factory=timezone.now)


def _vector_json(vector: Any) -> str:
    """JSON text of a vector (or meta data) as the database stores it; orjson when it can."""
    if orjson is not None:
        try:
            return orjson.dumps(vector).decode()
        except TypeError:  # non-string keys, huge ints: json.dumps copes or names the problem
            pass
    return json.dumps(vector)


def _key_id(item: Mapping[str, Any], name: str, id_name: str, default: Any) -> Any:
    """The id an item gives for ``name`` (an object or an id) or ``id_name``, else
    ``default`` (an id)."""
    value = item.get(name)
    if value is not None:
        return value.pk if hasattr(value, "pk") else value
    value = item.get(id_name)
    return default if value is None else value


def lookups(
    items: Sequence[Mapping[str, Any]], image: Image | None
) -> tuple[dict[Any, Image], dict[Any, AnnotationType]]:
    """The images and types the items name, with the fields validation needs."""
    default = image.pk if image is not None else None
    image_ids = {_key_id(item, "image", "image_id", default) for item in items} - {None}
    type_ids = {_key_id(item, "annotation_type", "annotation_type_id", None) for item in items}
    type_ids.discard(None)
    images = Image.objects.only("id", "width", "height").in_bulk(image_ids)
    types = AnnotationType.objects.only("id", "vector_type", "node_count").in_bulk(type_ids)
    return images, types


def _time_ordered_uuid_hexes(count: int) -> list[str]:
    """``count`` version-7 UUIDs (RFC 9562) as hex, ascending: a millisecond clock, a 42-bit
    counter from a random start (rand_a and the top of rand_b) and 32 random bits.

    Random version-4 ids land all over the (image, unique_identifier) index: each insert
    touched its own page, 8 us of a 25 us row on SQLite and more on PostgreSQL; ascending ids
    append (docs/performance.md "Viewport queries"). They stay unique and unguessable enough
    for what they are, names of annotations, not secrets.
    """
    millis = time_ns() // 1_000_000
    counter = int.from_bytes(os.urandom(6)) >> 7  # 41 bits: a million more still fit in 42
    tails = os.urandom(4 * count).hex()
    high, low_bits = (millis << 16) | 0x7000, (1 << 30) - 1
    return [
        f"{high | (c >> 30):016x}{(2 << 30) | (c & low_bits):08x}{tails[8 * n : 8 * n + 8]}"
        for n, c in enumerate(range(counter, counter + count))
    ]


def _as_datetime(value: Any, index: int = -1) -> Any:
    """A ``datetime``, or ISO text read as one (PostgreSQL's binary COPY needs the former)."""
    if value is None or isinstance(value, datetime):
        return value
    try:
        parsed = parse_datetime(str(value))
    except ValueError:
        parsed = None
    if parsed is None:
        raise VectorError(f"item {index}: {value!r} is not a date and time")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _number(index: int, name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise VectorError(f"item {index}: {name} {value!r} is not a number") from None
    if isinstance(value, bool) or not math.isfinite(number):
        raise VectorError(f"item {index}: {name} {value!r} is not a number")
    return number


_HEX32 = re.compile(r"[0-9a-f]{32}")


def _uuid_hex(value: Any, index: int) -> str:
    if type(value) is str and len(value) == 32 and _HEX32.fullmatch(value):
        return value  # already as stored (an import's identifiers)
    try:
        return value.hex if isinstance(value, uuid.UUID) else uuid.UUID(str(value)).hex
    except ValueError as exc:
        raise VectorError(f"item {index}: unique_identifier {value!r} is not a UUID") from exc


class RowMaker:
    """Validates items and turns each into a row (no id yet), keeping what to_annotations needs.

    Makes no query: images and types come looked up, because on PostgreSQL the connection is
    busy streaming a COPY while rows are made.
    """

    def __init__(
        self,
        batch: Batch,
        lookups: tuple[dict[Any, Image], dict[Any, AnnotationType]],
        *,
        checked: bool = False,
    ) -> None:
        self.batch = batch
        self.images, self.types = lookups
        sqlite = connection.vendor == "sqlite"
        self.adapt_time = connection.ops.adapt_datetimefield_value if sqlite else _as_datetime
        self.db_now = self.adapt_time(batch.now)
        self.fresh_uuids: Iterator[str] = iter(())
        self.expected = 0
        # For a caller whose identifiers are already 32 lowercase hex digits, none repeated on
        # an image (an import checks them as it reads).
        self.checked = checked
        self.seen: set[tuple[Any, str]] = set()
        self.rules: dict[tuple[Any, Any], tuple[int, Any, Any, int]] = {}
        self.image: Image | None = None
        self.image_pk: Any = None
        # What _tail makes of an item that gives no more than PLAIN_KEYS, made once.
        self.plain_tail, _, self.now_pair = self._tail(-1, {})

    def expect(self, count: int) -> None:
        """Draw uuids for the next ``count`` items at once (4x faster than singly), when the
        first of them needs one (an import's records often bring their own)."""
        self.fresh_uuids = iter(())
        self.expected = count

    def _fresh(self) -> str:
        """A fresh identifier, drawing the expected ones first."""
        if self.expected:
            self.fresh_uuids = iter(_time_ordered_uuid_hexes(self.expected))
            self.expected = 0
            return next(self.fresh_uuids)
        return uuid.uuid4().hex

    def knows(self, image_id: Any, type_id: Any) -> bool:
        return image_id in self.images and type_id in self.types

    def _rule(self, index: int, image_id: Any, type_id: Any) -> tuple[int, Any, Any, int]:
        """What a vector of this type on this image is checked against, found once."""
        from lamella.annotations.services import AnnotationInputError

        target, kind = self.images.get(image_id), self.types.get(type_id)
        if target is None or kind is None:
            missing = "image" if target is None else "annotation type"
            raise AnnotationInputError(f"item {index}: no such {missing}")
        width, height = target.width or None, target.height or None
        rule = (kind.vector_type, width, height, kind.node_count)
        self.rules[(image_id, type_id)] = rule
        return rule

    def row(self, index: int, item: Mapping[str, Any], image: Image | None) -> tuple[Any, ...]:
        from lamella.annotations.services import AnnotationInputError

        if image is not self.image:
            self.image, self.image_pk = image, None if image is None else image.pk
        image_id = _key_id(item, "image", "image_id", self.image_pk)
        type_id = _key_id(item, "annotation_type", "annotation_type_id", None)
        rule = self.rules.get((image_id, type_id))
        if rule is None:
            rule = self._rule(index, image_id, type_id)
        vector = item.get("vector")
        vector_type, width, height, node_count = rule
        extent: tuple[Any, ...] | None = None
        if width and height:
            extent = quick_extent(vector, vector_type, width, height, node_count)
        if extent is None:
            try:
                extent = validate_vector(
                    vector, vector_type, width=width, height=height, node_count=node_count
                )
            except VectorError as exc:
                raise VectorError(f"item {index}: {exc}") from exc
        assert extent is not None
        batch = self.batch
        given = item.get("unique_identifier")
        if given is None:
            identifier = next(self.fresh_uuids, None) or self._fresh()
        elif self.checked:  # hex, and unique per image: the caller saw to it
            identifier = given
            batch.given.add(len(batch.vectors))
        else:
            identifier = _uuid_hex(given, index)
            if (image_id, identifier) in self.seen:
                raise AnnotationInputError(f"item {index}: unique_identifier {given} repeats")
            self.seen.add((image_id, identifier))
            batch.given.add(len(batch.vectors))
        batch.vectors.append(vector)
        vector_json = None if vector is None else _vector_json(vector)
        if item.keys() <= PLAIN_KEYS:  # the rest is the batch's defaults: no more lookups
            tail, meta, times = self.plain_tail, None, self.now_pair
            batch.plain += 1
        else:
            tail, meta, times = self._tail(index, item)
        batch.metas.append(meta)
        batch.times.append(times)
        return (image_id, type_id, vector_json, *extent, identifier, *tail)

    def _tail(
        self, index: int, item: Mapping[str, Any]
    ) -> tuple[tuple[Any, ...], Any, tuple[datetime, datetime]]:
        """The row's values from ``deleted`` on, checked and converted; its meta data and its
        (time, last_edit_time) as objects."""
        meta = item.get("meta_data")
        time, edited = item.get("time"), item.get("last_edit_time")
        score, description = item.get("score"), item.get("description", "")
        if type(score) is not float and score is not None:  # PostgreSQL's COPY takes numbers
            score = _number(index, "score", score)
        if type(description) is not str:
            description = "" if description is None else str(description)
        now, adapt_time, db_now = self.batch.now, self.adapt_time, self.db_now
        if time or edited:  # datetimes, or ISO text
            time, edited = _as_datetime(time, index), _as_datetime(edited, index)
        tail = (
            bool(item.get("deleted", False)),
            description,
            None if meta is None else _vector_json(meta),
            bool(item.get("concealed", False)),
            bool(item.get("blurred", False)),
            bool(item.get("generated", False)),
            score,
            adapt_time(time) if time else db_now,
            adapt_time(edited) if edited else db_now,
        )
        return tail, meta, (time or now, edited or now)


def _row_source(
    batch: Batch,
    items: Sequence[Mapping[str, Any]],
    image: Image | None,
    lookups: tuple[dict[Any, Image], dict[Any, AnnotationType]],
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``items``, one at a time: a generator, so that PostgreSQL's COPY sends
    each row while the next is validated (the server inserts while Python works)."""
    maker = RowMaker(batch, lookups)
    maker.expect(len(items))
    row = maker.row
    for index, item in enumerate(items):
        yield row(index, item, image)


def prepare_rows(*, user: Any, items: Sequence[Mapping[str, Any]], image: Image | None) -> Batch:
    """Validate every item and turn it into a row; raises before anything is written."""
    batch = Batch(user=user)
    batch.rows = list(_row_source(batch, items, image, lookups(items, image)))
    return batch


def create_rows(*, user: Any, items: Sequence[Mapping[str, Any]], image: Image | None) -> Batch:
    """Validate and write the items and their history; call inside a transaction.

    On PostgreSQL small batches are validated row by row as COPY sends the previous ones, and
    large ones in two halves, the second while the server inserts the first (a bad item aborts
    the COPY, the transaction rolls back). Elsewhere every batch is validated first, then
    written in spatial order (:func:`write_rows`).
    """
    batch = Batch(user=user)
    user_id = getattr(user, "pk", None)
    found = lookups(items, image)
    if connection.vendor != "postgresql" or not items:
        batch.rows = list(_row_source(batch, items, image, found))
        write_rows(batch, user_id=user_id)
        return batch
    source = _row_source(batch, items, image, found)
    with connection.cursor() as cursor:
        if len(items) >= CLUSTER_MIN_ROWS:
            _copy_in_two_runs(cursor, batch, source, len(items), user_id)
        else:
            batch.ids = bulk_sql.reserve_ids(cursor, len(items))
            rows = _with_ids(batch, source, user_id)
            bulk_sql.copy_rows(cursor, TABLE, ANNOTATION_COLUMNS, rows)
        bulk_sql.insert_history(cursor, batch.ids, user_id=user_id, now=batch.now)
    return batch


def _copy_in_two_runs(
    cursor: Any, batch: Batch, source: Iterator[tuple[Any, ...]], count: int, user_id: Any
) -> None:
    """COPY a large batch as two runs in spatial order: the first half is validated and
    sorted, then each of its rows goes out with one item of the second half validated after
    it, so that Python validates while the server inserts, on the other core (validating
    first and inserting after took ~8 + ~11 us a row; docs/performance.md)."""
    half = count // 2
    batch.rows = [next(source) for _ in range(half)]
    batch.ids = bulk_sql.reserve_ids(cursor, count)
    keep = batch.rows.append
    with bulk_sql.copying(cursor, TABLE, ANNOTATION_COLUMNS) as write:
        for row in _spatial_ids(batch, user_id, 0, half):
            write(row)
            keep(next(source))
        for row in source:  # the last item of an odd count
            keep(row)
        for row in _spatial_ids(batch, user_id, half, count):
            write(row)


# Both databases keep rows where they are written: SQLite in id order, PostgreSQL in COPY
# order. A large batch is written in tiles of 512 px, row by row, and takes its ids in that
# order, so that a viewport's annotations share pages instead of each being on its own (a
# random viewport over 10^6 annotations loaded in random order read ~420 pages, sorted ~60)
# and the id and spatial B-trees are filled front to back (docs/performance.md). Small
# batches are not worth it.
CLUSTER_MIN_ROWS = 1_000
PLACE_TILE = 512


def _with_ids(
    batch: Batch, source: Iterator[tuple[Any, ...]], user_id: Any
) -> Iterator[tuple[Any, ...]]:
    """Rows in column order, and kept in the batch for to_annotations."""
    keep = batch.rows.append
    for pk, row in zip(batch.ids, source, strict=True):
        keep(row)
        yield (pk, *row, user_id, user_id)


def write_rows(batch: Batch, *, user_id: Any) -> None:
    """Insert prepared rows and their history; call inside a transaction."""
    if not batch.rows:
        return
    if connection.vendor not in ("sqlite", "postgresql"):
        _write_with_orm(batch)
        return
    with connection.cursor() as cursor:
        batch.ids = bulk_sql.reserve_ids(cursor, len(batch.rows))
        if len(batch.rows) >= CLUSTER_MIN_ROWS:
            write_in_place_order(cursor, batch, user_id)
        else:
            pairs = zip(batch.ids, batch.rows, strict=True)
            _insert(cursor, [(pk, *row, user_id, user_id) for pk, row in pairs])
        bulk_sql.insert_history(cursor, batch.ids, user_id=user_id, now=batch.now)


def write_in_place_order(cursor: Any, batch: Batch, user_id: Any) -> None:
    """Write a large batch's rows, their ids reserved, in spatial order (:func:`_spatial_ids`)."""
    if connection.vendor == "sqlite" and batch.plain == len(batch.rows):
        # every row ends in the same values: bind only the rest (insert_rows_sqlite)
        shared = (*batch.rows[0][UUID + 1 :], user_id, user_id)
        heads = _spatial_ids(batch, user_id, heads=True)
        bulk_sql.insert_rows_sqlite(cursor, TABLE, ANNOTATION_COLUMNS, heads, shared=shared)
        return
    _insert(cursor, _spatial_ids(batch, user_id))


def _insert(cursor: Any, rows: list[tuple[Any, ...]]) -> None:
    """Whole rows in column order (``ANNOTATION_COLUMNS``)."""
    if connection.vendor == "sqlite":
        bulk_sql.insert_rows_sqlite(cursor, TABLE, ANNOTATION_COLUMNS, rows, tail=SHARED_TAIL)
    else:
        bulk_sql.copy_rows(cursor, TABLE, ANNOTATION_COLUMNS, rows)


def _spatial_ids(
    batch: Batch, user_id: Any, start: int = 0, stop: int | None = None, *, heads: bool = False
) -> list[tuple[Any, ...]]:
    """The rows from ``start`` to ``stop`` of a large batch in the order of 512 px tiles, each
    taking the next of their reserved ids in that order (``batch.ids`` still pairs each item
    with its own id), and the next of their fresh unique identifiers too (``batch.uuids``):
    drawn ascending, they stay ascending in the order written, so that their unique index is
    appended to instead of written all over (docs/performance.md). ``heads``: each row only
    up to its identifier."""
    rows, given, uuids = batch.rows, batch.given, batch.uuids
    stop = len(rows) if stop is None else stop
    # One integer per row, image then tile row then tile column: sorted 5x faster than tuples.
    keys = [
        (row[IMAGE] << 44)
        if row[X_MIN] is None or row[Y_MIN] is None
        else (row[IMAGE] << 44)
        + ((int(row[Y_MIN]) // PLACE_TILE + 1) << 22)
        + (int(row[X_MIN]) // PLACE_TILE + 1)
        for row in rows[start:stop]
    ]
    order = sorted(range(stop - start), key=keys.__getitem__)
    fresh = iter([rows[index][UUID] for index in range(start, stop) if index not in given])
    written: list[tuple[Any, ...]] = []
    write = written.append
    ids = batch.ids
    for pk, position in zip(ids[start:stop], order, strict=True):
        index = start + position
        ids[index] = pk
        row = rows[index]
        identifier = row[UUID] if index in given else next(fresh)
        uuids[index] = identifier
        if heads:
            write((pk, *row[:UUID], identifier))
        else:
            write((pk, *row[:UUID], identifier, *row[UUID + 1 :], user_id, user_id))
    return written


def to_annotations(batch: Batch) -> list[Annotation]:
    """Model objects for the written rows, without a query."""
    user_id = getattr(batch.user, "pk", None)
    alias = connection.alias
    return [
        Annotation.from_db(
            alias,
            FIELD_NAMES,
            (
                *(pk, row[IMAGE], vector, row[CONCEALED], row[BLURRED], time, row[TYPE]),
                *(user_id, edited, user_id, row[DELETED], row[DESCRIPTION]),
                *(uuid.UUID(identifier), meta, row[GENERATED], row[SCORE], *row[FRAME : FRAME + 5]),
            ),
        )
        for pk, row, identifier, vector, meta, (time, edited) in zip(
            batch.ids,
            batch.rows,
            [batch.uuids.get(n, row[UUID]) for n, row in enumerate(batch.rows)],
            batch.vectors,
            batch.metas,
            batch.times,
            strict=True,
        )
    ]


def _write_with_orm(batch: Batch) -> None:
    annotations = to_annotations(Batch(**{**batch.__dict__, "ids": [None] * len(batch.rows)}))
    for annotation in annotations:
        annotation._state.adding = True
    Annotation.objects.bulk_create(annotations)
    batch.ids = [annotation.pk for annotation in annotations]
    AnnotationHistory.objects.bulk_create(
        AnnotationHistory(
            annotation_id=a.pk,
            image_id_snapshot=a.image_id,
            action=AnnotationHistory.Action.CREATE,
            user=batch.user,
            time=batch.now,
            annotation_type_id_snapshot=a.annotation_type_id,
            vector=a.vector,
            deleted=a.deleted,
            description=a.description,
            meta_data=a.meta_data,
        )
        for a in annotations
    )
