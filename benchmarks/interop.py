"""Import speed: 1,000,000 generated annotations from GeoJSON and from COCO, into PostgreSQL
(a fresh database at 127.0.0.1:5432, user postgres) and into SQLite.

    .venv/bin/python benchmarks/interop.py [--count 1000000] [--backend postgresql sqlite]
        [--format geojson coco]

Each import runs in its own process (a fresh database, an honest peak memory), and prints
annotations/s for the whole ``import_annotations`` call (parse, match, validate, write, commit),
the peak resident memory of that process and of the process that parses a large file beside it
(``lamella.interop.beside``), and, as the peer, the rate of Django's own
``bulk_create`` of the same rows measured in the same process. Goal: >= 20,000/s, <= 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from machine import probe

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PG_DATABASE = "lamella_bench_interop"
IMAGE_SIZE = (100_000, 80_000)
COCO_IMAGES = 10
CLASSES = ("tumour", "stroma", "mitosis")
PEER_ROWS = 20_000


def _shape(rng: random.Random) -> tuple[str, Any]:
    """A point, a box or a hexagon somewhere on the image (GeoJSON type, coordinates)."""
    x, y = rng.uniform(100, IMAGE_SIZE[0] - 500), rng.uniform(100, IMAGE_SIZE[1] - 500)
    roll = rng.random()
    if roll < 0.5:
        return "Point", [round(x, 1), round(y, 1)]
    if roll < 0.75:
        w, h = rng.uniform(20, 300), rng.uniform(20, 300)
        ring = [[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]
    else:
        ring = [[x + 60 * dx, y + 60 * dy] for dx, dy in ((0, 1), (1, 0), (2, 0), (3, 1), (2, 2))]
        ring += [[x + 60, y + 120], ring[0]]
    return "Polygon", [[[round(a, 1), round(b, 1)] for a, b in ring]]


def write_geojson(path: Path, count: int) -> None:
    """One FeatureCollection of ``count`` QuPath-style features, written as a stream."""
    rng = random.Random(1)
    with path.open("w") as out:
        out.write('{"type": "FeatureCollection", "features": [\n')
        for n in range(count):
            kind, coordinates = _shape(rng)
            feature = {
                "type": "Feature",
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "geometry": {"type": kind, "coordinates": coordinates},
                "properties": {
                    "objectType": "annotation",
                    "classification": {"name": CLASSES[n % 3], "color": [200, 0, 0]},
                },
            }
            out.write(("," if n else "") + json.dumps(feature) + "\n")
        out.write("]}\n")


def write_coco(path: Path, count: int) -> None:
    """A COCO file of ``count`` annotations (boxes and segmentation polygons) on 10 images."""
    rng = random.Random(2)
    with path.open("w") as out:
        images = [
            {
                "id": i,
                "file_name": f"slide-{i}.tiff",
                "width": IMAGE_SIZE[0],
                "height": IMAGE_SIZE[1],
            }
            for i in range(1, COCO_IMAGES + 1)
        ]
        categories = [{"id": i, "name": name} for i, name in enumerate(CLASSES, start=1)]
        out.write(f'{{"images": {json.dumps(images)}, "categories": {json.dumps(categories)},')
        out.write(' "annotations": [\n')
        for n in range(count):
            kind, coordinates = _shape(rng)
            item: dict[str, Any] = {"id": n + 1, "image_id": n % COCO_IMAGES + 1}
            item["category_id"] = n % 3 + 1
            if kind == "Point":
                item["bbox"] = [coordinates[0] - 25, coordinates[1] - 25, 50, 50]
            else:
                ring = coordinates[0][:-1]
                xs, ys = [p[0] for p in ring], [p[1] for p in ring]
                item["bbox"] = [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
                item["segmentation"] = [[v for p in ring for v in p]]
            out.write(("," if n else "") + json.dumps(item) + "\n")
        out.write("]}\n")


def fresh_postgres() -> str:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    return f"{PG_SERVER}/{PG_DATABASE}"


def child(backend: str, fmt: str, path: Path, count: int) -> None:
    """Import ``path`` into a fresh database and print one result line as JSON."""
    data_dir = tempfile.mkdtemp(prefix="lamella-bench-")
    os.environ["LAMELLA_DATA_DIR"] = data_dir
    os.environ["LAMELLA_TASK_BACKEND"] = "immediate"
    if backend == "postgresql":
        os.environ["LAMELLA_DATABASE_URL"] = fresh_postgres()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lamella.settings")
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from lamella.accounts.models import Team, User
    from lamella.annotations.transfer import import_annotations
    from lamella.images.models import Image, ImageSet

    user = User.objects.create_user("bench")
    team = Team.objects.create(name="bench")
    image_set = ImageSet.objects.create(name="bench", team=team, creator=user)
    names = [path.stem] if fmt == "geojson" else [f"slide-{i}.tiff" for i in range(1, 11)]
    for name in names:
        Image.objects.create(image_set=image_set, name=name, filename=name, width=IMAGE_SIZE[0],
                             height=IMAGE_SIZE[1])  # fmt: skip
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), time.process_time()
    report = import_annotations(
        user=user, image_set=image_set, path=path, format=fmt, create_types=True
    )
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # The parser process of a large file (lamella.interop.beside) ran at the same time.
    parser_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    parser_kib, parser_cpu = parser_usage.ru_maxrss, parser_usage.ru_utime + parser_usage.ru_stime
    peer = peer_rate(user, image_set)
    result = {
        "backend": backend,
        "format": fmt,
        "created": report.created,
        "seconds": round(seconds, 1),
        "rate": report.created / seconds,
        "cpu_rate": report.created / cpu_seconds,
        "peak_mib": peak_kib / 1024,
        "parser_mib": parser_kib / 1024,
        "parser_cpu": parser_cpu,
        "before_mib": rss_before / 1024,
        "peer_rate": peer,
    }
    assert report.created == count, report.summary()
    print(json.dumps(result))


def peer_rate(user: Any, image_set: Any) -> float:
    """Rows/s of Django's ``bulk_create`` for ready-made Annotation objects (the naive path)."""
    from django.db import transaction
    from django.utils import timezone

    from lamella.annotations.models import Annotation, AnnotationType
    from lamella.images.models import Image

    image = Image.objects.filter(image_set=image_set).first()
    kind = AnnotationType.objects.filter(product__imagesets=image_set).first()
    now = timezone.now()
    rows = [
        Annotation(
            image=image,
            annotation_type=kind,
            vector={"x1": i % 9000, "y1": 5, "x2": i % 9000 + 50, "y2": 55},
            time=now,
            last_edit_time=now,
            user=user,
            x_min=i % 9000,
            y_min=5,
            x_max=i % 9000 + 50,
            y_max=55,
        )
        for i in range(PEER_ROWS)
    ]
    started = time.perf_counter()
    with transaction.atomic():
        Annotation.objects.bulk_create(rows, batch_size=1000)
    return PEER_ROWS / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--backend", nargs="+", default=["postgresql", "sqlite"])
    parser.add_argument("--format", nargs="+", default=["geojson", "coco"])
    parser.add_argument("--child", nargs=2, metavar=("BACKEND", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--child-format", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child_format, Path(args.child[1]), args.count)
        return
    with tempfile.TemporaryDirectory(prefix="lamella-interop-") as folder:
        files = {}
        for fmt in args.format:
            path = Path(folder) / ("slide-1.geojson" if fmt == "geojson" else "annotations.json")
            started = time.perf_counter()
            (write_geojson if fmt == "geojson" else write_coco)(path, args.count)
            mib = path.stat().st_size / 2**20
            print(f"generated {fmt}: {args.count:,} annotations, {mib:.0f} MiB "
                  f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
            files[fmt] = path
        for backend in args.backend:
            for fmt, path in files.items():
                command = [sys.executable, __file__, "--count", str(args.count), "--child",
                           backend, str(path), "--child-format", fmt]  # fmt: skip
                print(probe())
                output = subprocess.run(command, check=True, capture_output=True, text=True)
                result = json.loads(output.stdout.strip().splitlines()[-1])
                print(
                    f"{backend:10} {fmt:7} {result['created']:>9,} annotations in "
                    f"{result['seconds']:6.1f} s = {result['rate']:8,.0f}/s "
                    f"({result['cpu_rate']:,.0f}/s of this process's CPU time), peak "
                    f"{result['peak_mib']:6,.0f} MiB (before import {result['before_mib']:.0f})"
                    f" + parser process {result['parser_mib']:,.0f} MiB"
                    f" ({result['parser_cpu']:.1f} s of CPU); "
                    f"ORM bulk_create {result['peer_rate']:,.0f}/s, "
                    f"ratio x{result['rate'] / result['peer_rate']:.2f}"
                )


if __name__ == "__main__":
    main()
