"""The site ``benchmarks/viewer.py`` opens: a large generated slide, 100,000 polygons on one
copy of it and 1,000,000 points on another, a team admin who can log in.

Runs inside the benchmark's child process (Django set up on a fresh data dir). The slide is a
JPEG-tiled pyramidal TIFF written by pyvips: a smooth gradient with a grid line every 2,000 px,
so that it compresses to about 200 MB at 100,000 x 80,000 px yet shows every pan and zoom.
It is kept in the cache folder between runs; generating it takes a few minutes.
"""

from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 100_000, 80_000
CHUNK = 100_000
USERNAME = "viewerbench"
PASSWORD = "viewerbench-not-secret"


def generate_slide(path: Path, width: int = WIDTH, height: int = HEIGHT) -> None:
    """A smooth RGB gradient with a dark grid line every 2,000 px, as a tiled JPEG pyramid."""
    import pyvips

    xyz = pyvips.Image.xyz(width, height)
    x, y = xyz[0], xyz[1]
    red = (x * (200.0 / width) + 40).cast("uchar")
    green = (y * (200.0 / height) + 40).cast("uchar")
    grid = ((x % 2000) < 8) | ((y % 2000) < 8)
    blue = grid.ifthenelse(30, 220).cast("uchar")
    image = red.bandjoin([green, blue]).copy(interpretation="srgb")
    partial = path.with_name(f".{path.name}.partial.tif")
    image.tiffsave(
        str(partial),
        tile=True,
        tile_width=256,
        tile_height=256,
        pyramid=True,
        compression="jpeg",
        Q=80,
        bigtiff=True,
        subifd=False,
    )
    partial.replace(path)


def cached_slide(cache_dir: Path) -> Path:
    path = cache_dir / f"slide-{WIDTH}x{HEIGHT}.tif"
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        generate_slide(path)
        print(f"generated {path} in {time.perf_counter() - start:.0f} s", flush=True)
    return path


def polygon_items(count: int, type_id: int, rng: random.Random) -> list[dict[str, Any]]:
    """Irregular 12-node polygons, 30 to 240 px across, spread evenly over the image:
    the worst case for a zoomed-out view, where every part of the slide is annotated."""
    items = []
    for _ in range(count):
        cx, cy = rng.uniform(300, WIDTH - 300), rng.uniform(300, HEIGHT - 300)
        radius = rng.uniform(15, 120)
        vector = {}
        for i in range(12):
            angle = 2 * math.pi * i / 12
            r = radius * rng.uniform(0.7, 1.0)
            vector[f"x{i + 1}"] = int(cx + r * math.cos(angle))
            vector[f"y{i + 1}"] = int(cy + r * math.sin(angle))
        items.append({"annotation_type_id": type_id, "vector": vector})
    return items


def point_items(count: int, type_id: int, rng: random.Random) -> list[dict[str, Any]]:
    """Cell-sized points (EXACT's circle: a 24 px box around the centre)."""
    items = []
    for _ in range(count):
        x, y = int(rng.uniform(50, WIDTH - 50)), int(rng.uniform(50, HEIGHT - 50))
        vector = {"x1": x - 12, "y1": y - 12, "x2": x + 12, "y2": y + 12}
        items.append({"annotation_type_id": type_id, "vector": vector})
    return items


def build_site(slide: Path, polygons: int, points: int, seed: int) -> dict[str, int]:
    """Users, a set with two copies of the slide and the annotations; returns the image ids."""
    from django.db import connection

    from lamella.accounts.models import Team, TeamMembership, User
    from lamella.annotations.models import AnnotationType, Product
    from lamella.annotations.services import bulk_create_annotations
    from lamella.cli.prepare import prepare
    from lamella.images.models import Image, ImageSet
    from lamella.images.services import upload_images

    prepare()
    user = User.objects.create_user(username=USERNAME, password=PASSWORD)
    team = Team.objects.create(name="viewerbench")
    TeamMembership.objects.create(team=team, user=user, is_admin=True)
    image_set = ImageSet.objects.create(name="viewerbench", team=team, creator=user)
    product = Product.objects.create(name="viewerbench", team=team)
    product.imagesets.set([image_set])
    polygon_type = AnnotationType.objects.create(
        product=product, name="tumour", vector_type=5, color_code="#2266dd"
    )
    point_type = AnnotationType.objects.create(
        product=product, name="cell", vector_type=2, color_code="#dd3311"
    )
    ids = {}
    rng = random.Random(seed)
    for name, count, make, type_id in (
        ("polygons", polygons, polygon_items, polygon_type.pk),
        ("points", points, point_items, point_type.pk),
    ):
        (created,) = upload_images(user=user, image_set=image_set, files=[(f"{name}.tif", slide)])
        image = Image.objects.get(pk=created.pk)
        if image.ingest_state != Image.IngestState.READY:
            raise SystemExit(f"{name}.tif was not ingested: {image.ingest_error}")
        start = time.perf_counter()
        for offset in range(0, count, CHUNK):
            items = make(min(CHUNK, count - offset), type_id, rng)
            bulk_create_annotations(user=user, items=items, image=image, return_annotations=False)
        elapsed = time.perf_counter() - start
        print(f"  {count:,} {name} written in {elapsed:.0f} s", flush=True)
        ids[name] = image.pk
    if connection.vendor in ("sqlite", "postgresql"):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return ids


def site(data_dir: Path, slide: Path, polygons: int, points: int, seed: int) -> dict[str, int]:
    """The image ids of the site in ``data_dir``, building it the first time (``--keep``)."""
    marker = data_dir / "viewerbench.json"
    wanted = {"polygons": polygons, "points": points, "seed": seed}
    if marker.exists():
        known = json.loads(marker.read_text())
        if known["wanted"] == wanted:
            return dict(known["images"])
        raise SystemExit(f"{data_dir} holds another site ({known['wanted']}); use a fresh one")
    images = build_site(slide, polygons, points, seed)
    marker.write_text(json.dumps({"wanted": wanted, "images": images}))
    return images
