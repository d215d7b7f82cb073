"""The SQL of bulk annotation writes: ids, rows and history, per backend.

Called by :mod:`lamella.annotations.bulk` inside the caller's transaction.
"""

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import connection
from psycopg.adapt import Dumper
from psycopg.pq import Format

from lamella.annotations.models import AnnotationHistory

# History rows are copied from the rows just written inside the database: the vectors cross
# from Python once, not twice (half the bytes to bind or COPY).
HISTORY_FROM_ANNOTATIONS = (
    "INSERT INTO annotations_annotationhistory (annotation_id, image_id_snapshot,"
    " annotation_type_id_snapshot, vector, deleted, description, meta_data, action, user_id,"
    " time) SELECT id, image_id, annotation_type_id, vector, deleted, description, meta_data,"
    " %s, %s, %s FROM annotations_annotation"
)
# A scalar subquery, so that the sequence is looked up once per statement: as a plain argument
# of nextval() it was looked up again for every value (5,000 ids took 14-17 ms instead of 3).
SEQUENCE = "(SELECT pg_get_serial_sequence('annotations_annotation', 'id'))"
# Below this many rows the default page cache does.
LARGE_BATCH_ROWS = 2_000
# SQLite page cache during a large batch, in KiB (negative: a size, not a page count).
BULK_CACHE_KIB = -65_536


def reserve_ids(cursor: Any, count: int) -> list[int]:
    """``count`` fresh annotation ids, ascending; contiguous unless PostgreSQL had company."""
    if connection.vendor == "postgresql":
        # Drawn in one statement and summed up on the server: fetching 100,000 single values
        # took 0.4 s. Without concurrent writers they are one run, the usual case.
        cursor.execute(
            f"SELECT min(v), max(v) FROM (SELECT nextval({SEQUENCE}) AS v"
            " FROM generate_series(1, %s)) AS drawn",
            [count],
        )
        low, high = cursor.fetchone()
        if high - low + 1 == count:
            return list(range(low, high + 1))
        cursor.execute(f"SELECT nextval({SEQUENCE}) FROM generate_series(1, %s)", [count])
        return sorted(row[0] for row in cursor.fetchall())
    # SQLite: the caller holds the write lock (BEGIN IMMEDIATE). AUTOINCREMENT never reuses an
    # id and history rows still point at deleted ones, so start past sqlite_sequence as well.
    cursor.execute(
        "SELECT max(coalesce((SELECT max(id) FROM annotations_annotation), 0),"
        " coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'annotations_annotation'), 0))"
    )
    start = int(cursor.fetchone()[0]) + 1
    return list(range(start, start + count))


def insert_history(cursor: Any, ids: Sequence[int], *, user_id: Any, now: datetime) -> None:
    """One ``create`` history row per written annotation, copied inside the database."""
    if not ids:
        return
    when = connection.ops.adapt_datetimefield_value(now) if connection.vendor == "sqlite" else now
    params = [AnnotationHistory.Action.CREATE.value, user_id, when]
    bound: list[Any]
    low, high = min(ids), max(ids)  # ascending, or in tile order on SQLite
    if high - low + 1 == len(ids):  # one run of ids: nobody else's can be inside
        where, bound = "id BETWEEN %s AND %s", [low, high]
    else:
        where, bound = "id = ANY(%s)", [list(ids)]
    cursor.execute(f"{HISTORY_FROM_ANNOTATIONS} WHERE {where} ORDER BY id", [*params, *bound])


def insert_rows_sqlite(
    cursor: Any,
    table: str,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
    *,
    tail: int = 0,
    shared: Sequence[Any] | None = None,
) -> None:
    """``executemany`` of rows. When every row ends in the same values from position ``tail``
    on (flags, times, users of one batch) and they are plain numbers or timestamps, those go
    into the statement as literals: binding 10 values instead of 21 saved ~2 us a row.
    ``shared``: the rows hold only their first values, and these are the rest, for all."""
    if shared is not None:
        literals = _literals(shared)
        if literals is None:
            rows = [(*row, *shared) for row in rows]
    else:
        literals = _shared_literals(rows, tail) if tail and len(rows) >= LARGE_BATCH_ROWS else None
        if literals is not None:
            rows = [row[:tail] for row in rows]
    with _sqlite_cache(cursor, len(rows)):
        if literals is None:
            cursor.executemany(_insert_sql(table, columns), rows)
            return
        head = len(columns) - len(literals)
        cursor.executemany(_insert_sql(table, columns, ["%s"] * head + literals), rows)


_TIMESTAMP = re.compile(r"[0-9][0-9 :.+-]*")


def _literal(value: Any) -> str | None:
    """``value`` as an SQL literal, for the few kinds that cannot smuggle SQL; else None."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int):
        return str(int(value))
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, str) and (value == "" or _TIMESTAMP.fullmatch(value)):
        return f"'{value}'"
    return None


def _shared_literals(rows: list[tuple[Any, ...]], tail: int) -> list[str] | None:
    shared = rows[0][tail:]
    if any(row[tail:] != shared for row in rows):
        return None
    return _literals(shared)


def _literals(values: Sequence[Any]) -> list[str] | None:
    literals = [_literal(value) for value in values]
    return None if None in literals else [text for text in literals if text is not None]


@contextmanager
def _sqlite_cache(cursor: Any, count: int) -> Iterator[None]:
    """Give SQLite a page cache that holds the indexes a large batch writes into.

    The default 2 MB cache makes every random ``unique_identifier`` and spatial key insert a
    page read from the OS: 100,000 rows into a 200,000-row table took 5.7 s of CPU with it and
    3.4 s with 64 MB (see docs/performance.md). The setting is per connection, so it is put
    back afterwards.
    """
    if count < LARGE_BATCH_ROWS:
        yield
        return
    cursor.execute("PRAGMA cache_size")
    previous = int(cursor.fetchone()[0])
    cursor.execute(f"PRAGMA cache_size = {BULK_CACHE_KIB}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA cache_size = {previous}")


def _insert_sql(table: str, columns: Sequence[str], values: Sequence[str] = ()) -> str:
    """INSERT of ``columns``; ``values`` are their SQL (default: one placeholder each)."""
    names = ", ".join(f'"{name}"' for name in columns)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join(values or ['%s'] * len(columns))})"


def copy_sql(table: str, columns: Sequence[str]) -> str:
    names = ", ".join(f'"{name}"' for name in columns)
    return f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"


@contextmanager
def open_copy(cursor: Any, table: str, columns: Sequence[str]) -> Iterator[Any]:
    """A binary ``COPY`` into ``columns`` of ``table`` on Django's ``cursor``, to
    ``write_row`` tuples of Python values in column order.

    Binary, because formatting text was most of the client's work: 6-7 us of a row's 21
    values against 1.4 us (floats and timestamps are packed, not printed), and the server
    parses less. It needs each value as its column's exact type; vectors and meta data come as
    JSON text and identifiers as hex, which the two dumpers below send as they are.
    """
    types = column_types(cursor, table, tuple(columns))  # a query: before the COPY opens
    adapters = cursor.cursor.adapters
    for dumper in (_JsonTextDumper, _UuidHexDumper):
        dumper.oid = adapters.types[dumper.type_name].oid
        adapters.register_dumper(None, dumper)  # for set_types() only: no Python type taken
    with cursor.cursor.copy(copy_sql(table, columns)) as copy:
        copy.set_types(types)
        yield copy


class _JsonTextDumper(Dumper):
    """JSON text (already encoded) into a ``json`` column: its binary form is the text."""

    type_name = "json"
    format = Format.BINARY

    def dump(self, obj: Any) -> bytes:
        return obj.encode()


class _UuidHexDumper(Dumper):
    """A UUID as 32 hex digits (or a UUID) into a ``uuid`` column: its 16 bytes."""

    type_name = "uuid"
    format = Format.BINARY

    def dump(self, obj: Any) -> bytes:
        return bytes.fromhex(obj) if isinstance(obj, str) else obj.bytes


_COLUMN_TYPES: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}


def column_types(cursor: Any, table: str, columns: tuple[str, ...]) -> list[str]:
    """The database's type of each column (asked once per process and database)."""
    key = (connection.settings_dict["NAME"], table, columns)
    found = _COLUMN_TYPES.get(key)
    if found is None:
        cursor.execute(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute"
            " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
            [table],
        )
        types = dict(cursor.fetchall())
        found = _COLUMN_TYPES[key] = [types[name] for name in columns]
    return found


@contextmanager
def copying(cursor: Any, table: str, columns: Sequence[str]) -> Iterator[Any]:
    """:func:`open_copy`, giving its ``write_row``; an exception inside aborts the COPY."""
    # Django's cursor has no copy(); its error wrapper still turns psycopg's errors into
    # django.db's, so callers catch IntegrityError on every backend.
    with connection.wrap_database_errors, open_copy(cursor, table, columns) as copy:
        yield copy.write_row


def copy_rows(
    cursor: Any, table: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    """PostgreSQL binary ``COPY`` of rows; an iterator is consumed as the data streams out."""
    with copying(cursor, table, columns) as write:
        for row in rows:
            write(row)
