"""Read a one-column text query in big chunks, past Django's per-row iterator.

The stream sends up to millions of rows whose single column the database already wrote as one
JSON line. Django's ``values_list(...).iterator()`` costs a few generator hops and a tuple per
row; here the compiled SQL runs on Django's chunked cursor (a server-side cursor on
PostgreSQL, so memory stays at one chunk) and each chunk of rows is joined into one
newline-terminated ``bytes``: one write for the WSGI server per chunk.

PostgreSQL's ``COPY ... TO STDOUT`` was tried as well: it lets the server format rows while
Python sends, but psycopg hands COPY data over one row per call, and that per-row cost made a
million-row stream 1.5 times slower than fetching 4,096 rows per round trip (6.7 s against
4.5 s on the 2-core machine).
"""

import contextlib
from collections.abc import Iterator
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import QuerySet

#: Rows per fetch and per write: about 1.7 MB of annotation lines.
CHUNK_ROWS = 4_096


def compiled(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    """The SQL and parameters Django itself would run for ``queryset``."""
    sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
    return sql, tuple(params)


def line_chunks(queryset: QuerySet[Any]) -> Iterator[bytes]:
    """The single text column of ``queryset`` (a ``values_list`` of one expression), as
    chunks of newline-terminated lines."""
    try:
        sql, params = compiled(queryset)
    except EmptyResultSet:  # known empty without asking (``.none()``: an image without boxes)
        return
    connection = connections[queryset.db]
    # In a transaction, PostgreSQL's cursor is WITHOUT HOLD and computes rows as they are
    # fetched; in autocommit it would be WITH HOLD and write the whole answer to a temporary
    # file before the first row. Closing the generator (a client gone) rolls back: nothing to
    # undo, it only reads. Not on SQLite, whose transactions here take the write lock.
    in_transaction: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if connection.vendor == "postgresql":
        in_transaction = transaction.atomic(using=queryset.db)
    with in_transaction, connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            lines = [row[0] for row in rows]
            lines.append("")
            yield "\n".join(lines).encode()
