"""Insert rate and viewport query time for a million annotations on one image.

Usage (from the repo root):

    .venv/bin/python benchmarks/viewport.py                       # SQLite only
    .venv/bin/python benchmarks/viewport.py --postgres postgres://postgres@127.0.0.1:5432/postgres

Each backend runs in its own process with a fresh database (a temporary SQLite file in a
temporary data dir; on PostgreSQL a database it creates and drops). The script loads
``--count`` box, polygon and point annotations through ``bulk_create_annotations``, prints the
insert rate, then times 200 random 2000 x 1500 viewports through ``viewport_rows`` (the
spatial index; ids and decoded vectors, what the viewer draws), each next to the same query on
the bbox columns alone (``annotations_in_viewport(use_index=False)``) and the ratio, and the
indexed queryset the REST API filters further (``annotations_in_viewport``).
Wall-clock figures suffer when other processes share the cores; the script prints the load
average and, per query, this process's CPU time (on SQLite that is all of the work).
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from machine import probe

ROOT = Path(__file__).resolve().parents[1]
IMAGE_WIDTH, IMAGE_HEIGHT = 100_000, 80_000
VIEW_WIDTH, VIEW_HEIGHT = 2000, 1500
CHUNK = 100_000


def make_items(count: int, type_ids: dict[str, int], rng: random.Random) -> list[dict[str, Any]]:
    """A third boxes, a third 6-node polygons, a third points, spread over the image."""
    items: list[dict[str, Any]] = []
    for n in range(count):
        x = rng.uniform(200, IMAGE_WIDTH - 200)
        y = rng.uniform(200, IMAGE_HEIGHT - 200)
        kind = n % 3
        if kind == 0:
            w, h = rng.randint(20, 150), rng.randint(20, 150)
            vector = {"x1": int(x), "y1": int(y), "x2": int(x) + w, "y2": int(y) + h}
            type_id = type_ids["box"]
        elif kind == 1:
            vector = {}
            for i in range(1, 7):
                vector[f"x{i}"] = int(x + rng.uniform(-80, 80))
                vector[f"y{i}"] = int(y + rng.uniform(-80, 80))
            type_id = type_ids["polygon"]
        else:
            vector = {"x1": int(x) - 25, "y1": int(y) - 25, "x2": int(x) + 25, "y2": int(y) + 25}
            type_id = type_ids["point"]
        items.append({"annotation_type_id": type_id, "vector": vector})
    return items


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def random_viewport(rng: random.Random) -> dict[str, float]:
    x = rng.uniform(0, IMAGE_WIDTH - VIEW_WIDTH)
    y = rng.uniform(0, IMAGE_HEIGHT - VIEW_HEIGHT)
    return {"x_min": x, "y_min": y, "x_max": x + VIEW_WIDTH, "y_max": y + VIEW_HEIGHT}


def time_viewports(
    image: Any, viewports: list[dict[str, float]], *, path: str
) -> tuple[list[float], list[float], list[list[int]]]:
    """Wall and CPU milliseconds per query, and the ids found.

    Timed: the whole call, from the viewport to a list of ids and decoded vectors.
    """
    from lamella.annotations.selectors import annotations_in_viewport, viewport_rows

    wall: list[float] = []
    cpu: list[float] = []
    found: list[list[int]] = []
    for box in viewports:
        start, start_cpu = time.perf_counter(), time.process_time()
        if path == "rows":
            rows = viewport_rows(image=image.pk, frame=1, **box)
        else:
            queryset = annotations_in_viewport(
                image=image.pk, frame=1, use_index=path == "queryset", **box
            )
            rows = list(queryset.values_list("id", "vector"))
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        found.append(sorted(row[0] for row in rows))
    return wall, cpu, found


def bench_image() -> tuple[Any, Any, dict[str, int]]:
    """A user, one 100,000 x 80,000 image in a team's set, and box/polygon/point type ids."""
    from tests import factories

    user = factories.make_user(f"bench-{uuid.uuid4().hex[:8]}")
    team = factories.make_team(admin=user)
    image_set = factories.make_image_set(team=team, creator=user)
    image = factories.make_image(image_set=image_set, width=IMAGE_WIDTH, height=IMAGE_HEIGHT)
    product = factories.make_product(team=team, image_sets=(image_set,))
    type_ids = {
        name: factories.make_annotation_type(product=product, vector_type=vt).pk
        for name, vt in (("box", 1), ("polygon", 5), ("point", 2))
    }
    return user, image, type_ids


def run_backend(label: str, count: int, queries: int, seed: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from lamella.annotations.services import bulk_create_annotations

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    user, image, type_ids = bench_image()
    print(f"{label}: {connection.vendor}, {count:,} annotations on one image; {probe()}")
    elapsed = cpu = 0.0
    for offset in range(0, count, CHUNK):
        items = make_items(min(CHUNK, count - offset), type_ids, rng)
        start, start_cpu = time.perf_counter(), time.process_time()
        bulk_create_annotations(user=user, items=items, image=image, return_annotations=False)
        elapsed += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
    print(f"  insert: {count / elapsed:,.0f} annotations/s ({elapsed:.1f} s, history included;")
    print(f"          this process's CPU {cpu:.1f} s, i.e. {count / cpu:,.0f}/s of its CPU)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    viewports = [random_viewport(rng) for _ in range(queries)]
    # One pass per variant: interleaved, each full scan of the plain query would evict the
    # pages the indexed one had cached, which a viewer panning over one slide never does.
    indexed, indexed_cpu, found = time_viewports(image, viewports, path="rows")
    api, _, via_api = time_viewports(image, viewports, path="queryset")
    plain, plain_cpu, expected = time_viewports(image, viewports, path="plain")
    if not found == via_api == expected:
        raise SystemExit("the indexed and the plain query disagree")
    med_i, med_p = statistics.median(indexed), statistics.median(plain)
    p95_i, p95_p = percentile(indexed, 0.95), percentile(plain, 0.95)
    print(f"  viewport {VIEW_WIDTH}x{VIEW_HEIGHT}, {queries} queries (ids + vectors),")
    print(f"  median {statistics.median(len(ids) for ids in found):.0f} annotations each:")
    print(f"    spatial index: median {med_i:.2f} ms, p95 {p95_i:.2f} ms", end="")
    print(f" (this process's CPU: median {statistics.median(indexed_cpu):.2f} ms)")
    print(f"    same, as the REST API's queryset: median {statistics.median(api):.2f} ms,", end="")
    print(f" p95 {percentile(api, 0.95):.2f} ms")
    print(f"    bbox columns:  median {med_p:.2f} ms, p95 {p95_p:.2f} ms", end="")
    print(f" (this process's CPU: median {statistics.median(plain_cpu):.2f} ms)")
    print(f"    ratio (plain / index): median {med_p / med_i:.1f}x, p95 {p95_p / p95_i:.1f}x")
    print(f"  load average at the end: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")


def child_env(data_dir: str, database_url: str | None) -> dict[str, str]:
    env = dict(os.environ, LAMELLA_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="lamella.settings")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    env.pop("LAMELLA_DATABASE_URL", None)
    if database_url:
        env["LAMELLA_DATABASE_URL"] = database_url
    return env


def run_postgres(url: str, argv: list[str]) -> int:
    import psycopg

    name = f"lamella_bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        base = url.rsplit("/", 1)[0]
        with tempfile.TemporaryDirectory() as data_dir:
            env = child_env(data_dir, f"{base}/{name}")
            return subprocess.call([*argv, "--child", "PostgreSQL"], env=env)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default=os.environ.get("LAMELLA_DATABASE_URL"))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_backend(args.child, args.count, args.queries, args.seed)
        return 0
    argv = [sys.executable, __file__, "--count", str(args.count), "--queries", str(args.queries)]
    return run_children([*argv, "--seed", str(args.seed)], args.postgres)


def run_children(argv: list[str], postgres: str | None) -> int:
    """``argv --child SQLite`` in a temporary data dir, then on PostgreSQL when a URL is given."""
    with tempfile.TemporaryDirectory() as data_dir:
        status = subprocess.call([*argv, "--child", "SQLite"], env=child_env(data_dir, None))
    if postgres and postgres.startswith("postgres"):
        status = run_postgres(postgres, argv) or status
    return status


if __name__ == "__main__":
    sys.exit(main())
