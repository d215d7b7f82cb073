"""Where a bulk insert's time goes, step by step, next to Django's ``bulk_create``.

Usage (from the repo root):

    .venv/bin/python benchmarks/bulk_steps.py                       # SQLite only
    .venv/bin/python benchmarks/bulk_steps.py --postgres postgres://postgres@127.0.0.1:5432/postgres

Loads ``--count`` annotations (the mix of ``benchmarks/viewport.py``: boxes, 6-node polygons,
points on one 100,000 x 80,000 image) in batches of 100,000, timing the three steps of
``lamella.annotations.bulk`` separately: preparing the rows in Python (validation, extent, JSON,
identifiers), writing them (``executemany`` on SQLite, ``COPY`` on PostgreSQL) and copying their
history rows inside the database. Then the peer: Django's ``bulk_create`` of one more batch of
ready-made ``Annotation`` objects (no validation, no history), on the same table. Prints
microseconds per row for each step, the total rate and the ratio to the peer. The issue's goal
for the total is 50,000 rows/s (20 µs a row); this shows which step stands in the way.

Last, the database's own floor: the last batch's rows copied by one ``INSERT ... SELECT`` into
an empty table with the same columns, generated key and indexes, then their history rows the
same way, with no client work at all (rolled back / dropped afterwards). No loader can write
faster than that on this machine and configuration.
"""

import argparse
import os
import random
import sys
import time
from typing import Any

from machine import probe
from viewport import bench_image, make_items, run_children

BATCH = 100_000


def timed_batch(user: Any, image: Any, items: list[dict[str, Any]]) -> tuple[float, float, float]:
    """Seconds spent preparing, writing and copying history for one batch, in one transaction."""
    from django.db import connection, transaction

    from lamella.annotations import bulk, bulk_sql

    with transaction.atomic():
        start = time.perf_counter()
        batch = bulk.prepare_rows(user=user, items=items, image=image)
        prepared = time.perf_counter()
        with connection.cursor() as cursor:
            # As bulk.write_rows does it (rows in tile order), in three timed parts; on
            # PostgreSQL create_rows overlaps the first two (half of the batch each).
            batch.ids = bulk_sql.reserve_ids(cursor, len(batch.rows))
            bulk.write_in_place_order(cursor, batch, user.pk)
            written = time.perf_counter()
            bulk_sql.insert_history(cursor, batch.ids, user_id=user.pk, now=batch.now)
    done = time.perf_counter()  # the commit counts with the history
    return prepared - start, written - prepared, done - written


def peer_seconds(user: Any, image: Any, items: list[dict[str, Any]]) -> float:
    """Django's bulk_create of ready-made objects (bbox filled in, nothing checked)."""
    from django.db import transaction
    from django.utils import timezone

    from lamella.annotations.geometry import extent_of
    from lamella.annotations.models import Annotation

    now = timezone.now()
    objects = []
    for item in items:
        frame, x_min, y_min, x_max, y_max = extent_of(item["vector"])
        objects.append(
            Annotation(
                image=image, annotation_type_id=item["annotation_type_id"],
                vector=item["vector"], time=now, last_edit_time=now, user=user,
                last_editor=user, frame=frame, x_min=x_min, y_min=y_min, x_max=x_max,
                y_max=y_max,
            )
        )  # fmt: skip
    start = time.perf_counter()
    with transaction.atomic():
        Annotation.objects.bulk_create(objects, batch_size=1000)
    return time.perf_counter() - start


FLOOR_TABLES = ("annotations_annotation", "annotations_annotationhistory")


def floor_seconds(rows: int) -> tuple[float, float]:
    """Seconds the database alone takes to insert the last ``rows`` annotations, then their
    history rows, into empty copies of the two tables (same columns, key and indexes)."""
    from django.db import connection, transaction

    from lamella.annotations import bulk, bulk_sql

    columns = ", ".join(f'"{name}"' for name in bulk.ANNOTATION_COLUMNS)
    history = bulk_sql.HISTORY_FROM_ANNOTATIONS.replace(
        "annotations_annotationhistory", "floor_history"
    ).replace("annotations_annotation", "floor_annotation")
    with transaction.atomic(), connection.cursor() as cursor:
        _empty_copies(cursor)
        start = time.perf_counter()
        cursor.execute(
            f"INSERT INTO floor_annotation ({columns}) SELECT {columns}"
            f" FROM annotations_annotation ORDER BY id DESC LIMIT {rows}"
        )
        written = time.perf_counter()
        cursor.execute(history, ["create", None, "2026-01-01 00:00:00"])
        done = time.perf_counter()
        transaction.set_rollback(True)
    return written - start, done - written


def _empty_copies(cursor: Any) -> None:
    """``floor_annotation`` and ``floor_history``: the two tables' definitions, no rows."""
    from django.db import connection

    for table, copy in zip(FLOOR_TABLES, ("floor_annotation", "floor_history"), strict=True):
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TEMP TABLE {copy} (LIKE {table} INCLUDING ALL)")
            continue
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL", [table]
        )
        for (ddl,) in cursor.fetchall():  # the table first, then its indexes
            renamed = ddl.replace(f'"{table}"', f'"{copy}"').replace('INDEX "', f'INDEX "{copy}_')
            cursor.execute(renamed)


def run_backend(label: str, count: int, seed: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    user, image, type_ids = bench_image()
    steps = [0.0, 0.0, 0.0]
    for offset in range(0, count, BATCH):
        items = make_items(min(BATCH, count - offset), type_ids, rng)
        steps = [a + b for a, b in zip(steps, timed_batch(user, image, items), strict=True)]
    floor_rows = min(BATCH, count)
    floor = [seconds / floor_rows * 1e6 for seconds in floor_seconds(floor_rows)]
    peer_items = make_items(BATCH, type_ids, rng)
    peer = BATCH / peer_seconds(user, image, peer_items)
    total = sum(steps)
    print(f"{label}: {connection.vendor}, {count:,} annotations on one image; {probe()}")
    for name, seconds in zip(("prepare (Python)", "write rows", "history"), steps, strict=True):
        print(f"  {name:17} {seconds / count * 1e6:6.1f} us/row  ({seconds:.1f} s)")
    print(f"  total: {count / total:,.0f} rows/s ({total / count * 1e6:.1f} us/row)")
    print(f"  Django bulk_create of {BATCH:,} ready-made rows after them: {peer:,.0f} rows/s;")
    print(f"  ratio (these steps / bulk_create): {count / total / peer:.2f}x")
    print(f"  the database alone (INSERT ... SELECT of {floor_rows:,} rows into empty copies):")
    print(f"    rows {floor[0]:.1f} us/row, history {floor[1]:.1f} us/row, together", end="")
    print(f" {1e6 / sum(floor):,.0f} rows/s at most")
    print(f"  load average at the end: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=os.environ.get("LAMELLA_DATABASE_URL"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_backend(args.child, args.count, args.seed)
        return 0
    argv = [sys.executable, __file__, "--count", str(args.count), "--seed", str(args.seed)]
    return run_children(argv, args.postgres)


if __name__ == "__main__":
    sys.exit(main())
