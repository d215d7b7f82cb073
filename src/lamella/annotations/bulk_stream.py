"""Annotations written while they are read: one open COPY per segment (PostgreSQL).

An import spends most of its time in Python (parsing, matching, validating) and the rest
waiting for the database to insert. Written in batches, the two take turns; written through a
COPY that stays open while the file is read, the server inserts each row while Python reads
the next, on the other core. A segment ends after ``capacity`` rows, or whenever the caller
needs the connection for something else (:meth:`RowStream.pause`); then its history rows are
written and its ids handed back.

Use it inside a transaction; leaving the ``with`` block by an exception aborts the COPY, and
the transaction's rollback takes everything else back.
"""

from collections.abc import Mapping
from types import TracebackType
from typing import Any

from django.db import connection

from lamella.annotations import bulk_sql
from lamella.annotations.bulk import ANNOTATION_COLUMNS, TABLE, Batch, RowMaker, lookups


class RowStream:
    def __init__(
        self, *, user: Any, capacity: int = 5_000, checked_identifiers: bool = False
    ) -> None:
        self.user = user
        self.user_id = getattr(user, "pk", None)
        self.capacity = capacity
        self.batch = Batch(user=user)
        self.maker = RowMaker(self.batch, ({}, {}), checked=checked_identifiers)
        self._cursor: Any = None
        self._copy_context: Any = None
        self._write: Any = None
        self._reserved: list[int] = []
        self.finished: list[Batch] = []

    def __enter__(self) -> "RowStream":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if error is None:
            return
        if self._copy_context is not None:  # tell the server the COPY failed
            context, self._copy_context = self._copy_context, None
            try:
                context.__exit__(kind, error, trace)
            finally:
                self._cursor.close()

    @property
    def open(self) -> bool:
        return self._copy_context is not None

    def write(self, index: int, item: Mapping[str, Any], *, known: bool = False) -> None:
        """Validate the item and send its row; raises as ``bulk`` does (``item <index>: ...``).

        ``known``: the caller has just asked :meth:`knows`. Segments ended on the way (full,
        or paused for a lookup) wait in :meth:`drain`."""
        if not known and not self.knows(item):
            self.pause()  # the lookup needs the connection
            images, types = lookups([item], None)
            self.maker.images.update(images)
            self.maker.types.update(types)
        if self._copy_context is None:
            self._start()
        row = self.maker.row(index, item, None)
        pk = self._reserved[len(self.batch.ids)]
        self.batch.ids.append(pk)
        self.batch.rows.append(row)
        self._write((pk, *row, self.user_id, self.user_id))
        if len(self.batch.ids) >= self.capacity:
            self.pause()

    def knows(self, item: Mapping[str, Any]) -> bool:
        """Whether :meth:`write` can take the item without a query (else it pauses first)."""
        return self.maker.knows(item.get("image_id"), item.get("annotation_type_id"))

    def drain(self) -> list[Batch]:
        """The segments written since the last call, oldest first."""
        finished, self.finished = self.finished, []
        return finished

    def pause(self) -> None:
        """End the segment, if one is open: rows, then their history."""
        if self._copy_context is None:
            return
        context, self._copy_context = self._copy_context, None
        with connection.wrap_database_errors:
            context.__exit__(None, None, None)
        batch = self.batch
        bulk_sql.insert_history(self._cursor, batch.ids, user_id=self.user_id, now=batch.now)
        self._cursor.close()
        self.finished.append(batch)
        self.batch = Batch(user=self.user, now=batch.now)
        self.maker.batch = self.batch

    def _start(self) -> None:
        self._cursor = connection.cursor()
        self._reserved = bulk_sql.reserve_ids(self._cursor, self.capacity)
        self.maker.expect(self.capacity)
        with connection.wrap_database_errors:
            self._copy_context = bulk_sql.open_copy(self._cursor, TABLE, ANNOTATION_COLUMNS)
            self._write = self._copy_context.__enter__().write_row
