"""The viewport selector against brute force, and the spatial index kept in step by every write.

Runs on the database of LAMELLA_DATABASE_URL: SQLite by default, PostgreSQL when it points there.
The index is a B-tree on a generated loose-quadtree key (lamella.annotations.spatial).
"""

import random
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings

from lamella.annotations.models import Annotation, AnnotationType
from lamella.annotations.selectors import (
    annotations_in_viewport,
    annotations_of_image,
    viewport_rows,
    viewport_statement_pg,
)
from lamella.annotations.services import (
    AnnotationInputError,
    bulk_create_annotations,
    create_annotation,
    delete_annotation,
    restore_annotation,
    soft_delete_annotation,
    update_annotation,
)
from lamella.annotations.spatial import viewport_ranges, viewport_ranges_sql
from lamella.images.models import Image
from tests import factories
from tests.conftest import Cast

SIZE = 20_000
SPANS = (0, 5, 127, 128, 500, 3000, 12_000)  # sizes on several quadtree levels and their edges


@pytest.fixture(autouse=True)
def fast_passwords(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def types(cast: Cast) -> dict[str, AnnotationType]:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    found = {
        str(vt): factories.make_annotation_type(product=product, vector_type=vt)
        for vt in range(1, 9)
    }
    found["multi"] = factories.make_annotation_type(
        product=product, vector_type=1, multi_frame=True
    )
    return found


def random_vector(rng: random.Random, vector_type: int) -> Any:
    """A valid vector of the type; a tenth are None, some carry a frame, some floats."""
    if rng.random() < 0.1:
        return None
    if vector_type == 7:
        return {"frame": rng.randint(1, 3)} if rng.random() < 0.5 else {}
    if vector_type == 8 and rng.random() < 0.5:
        return {"tiles": rng.randint(0, 9)}
    nodes = {1: 2, 2: 2, 3: 2, 4: rng.randint(2, 5), 5: rng.randint(3, 8), 6: 2, 8: 4}
    span = rng.choice(SPANS) or 1
    # Some start on a cell edge (multiples of 128 px), some just outside the image (tolerance).
    x, y = (rng.choice((rng.uniform(-3, SIZE - span), 128 * rng.randint(0, 20))) for _ in "xy")
    vector: dict[str, Any] = {}
    for i in range(1, nodes[vector_type] + 1):
        dx, dy = rng.uniform(0, span), rng.uniform(0, span)
        if vector_type in (1, 6):  # boxes go from top-left to bottom-right
            dx, dy = (0, 0) if i == 1 else (rng.uniform(1, span), rng.uniform(1, span))
        as_int = rng.random() < 0.7
        vector[f"x{i}"] = int(x + dx) if as_int else x + dx
        vector[f"y{i}"] = int(y + dy) if as_int else y + dy
    if vector_type in (1, 6):
        vector["x2"], vector["y2"] = (
            max(vector["x2"], vector["x1"] + 1),
            max(vector["y2"], vector["y1"] + 1),
        )
    if rng.random() < 0.6:
        vector["frame"] = rng.randint(1, 3)
    return vector


def brute_bbox(vector: Any, vector_type: int) -> tuple[float, float, float, float] | None:
    """The bbox written out independently of lamella.annotations.geometry."""
    if vector is None or vector_type == 7:
        return None
    xs = [v for k, v in vector.items() if k.startswith("x")]
    ys = [v for k, v in vector.items() if k.startswith("y")]
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def brute_force(
    rows: list[dict[str, Any]], image_id: int, frame: int, view: tuple, deleted: bool
) -> set[int]:
    x0, y0, x1, y1 = view
    found = set()
    for row in rows:
        box = row["bbox"]
        if row["image_id"] != image_id or box is None or (row["deleted"] and not deleted):
            continue
        if row["frame"] != frame and not row["multi"]:
            continue
        if box[0] <= x1 and box[2] >= x0 and box[1] <= y1 and box[3] >= y0:
            found.add(row["id"])
    return found


def load(
    cast: Cast, types: dict[str, AnnotationType], count: int, seed: int
) -> tuple[Image, list[dict[str, Any]]]:
    rng = random.Random(seed)
    other = factories.make_image(image_set=cast.image_set, width=SIZE, height=SIZE)
    image = factories.make_image(image_set=cast.image_set, width=SIZE, height=SIZE)
    items = []
    for _ in range(count):
        key = rng.choice(list(types))
        kind = types[key]
        items.append({
            "image": rng.choice((image, image, image, other)),
            "annotation_type": kind,
            "vector": random_vector(rng, kind.vector_type),
            "deleted": rng.random() < 0.1,
        })  # fmt: skip
    created = bulk_create_annotations(user=cast.member, items=items)
    rows = []
    for item, annotation in zip(items, created, strict=True):
        vector, kind = item["vector"], item["annotation_type"]
        rows.append({
            "id": annotation.pk, "image_id": item["image"].pk, "deleted": item["deleted"],
            "multi": kind.multi_frame, "bbox": brute_bbox(vector, kind.vector_type),
            "frame": (vector or {}).get("frame", 1),
        })  # fmt: skip
    return image, rows


def viewports(
    rng: random.Random, rows: list[dict[str, Any]]
) -> Iterator[tuple[float, float, float, float]]:
    for _ in range(60):
        w, h = rng.choice((1, 50, 800, 3000)), rng.choice((1, 50, 600, 2500))
        x, y = rng.uniform(-100, SIZE), rng.uniform(-100, SIZE)
        yield x, y, x + w, y + h
    boxes = [row["bbox"] for row in rows if row["bbox"] is not None]
    for box in rng.sample(boxes, 40):  # viewports that only touch an edge or a corner
        yield rng.choice([
            (box[2], box[1], box[2] + 300, box[3]),
            (box[0] - 300, box[1] - 200, box[0], box[1]),
            (box[0], box[3], box[2], box[3] + 10),
        ])  # fmt: skip
    yield 0, 0, SIZE, SIZE


def test_the_viewport_selector_equals_brute_force_for_every_vector_type(
    cast: Cast, types: dict[str, AnnotationType]
) -> None:
    image, rows = load(cast, types, 10_000, seed=7)
    rng = random.Random(11)
    checked = 0
    for view in viewports(rng, rows):
        frame, deleted = rng.randint(1, 3), rng.random() < 0.2
        got = annotations_in_viewport(
            image=image, frame=frame, x_min=view[0], y_min=view[1], x_max=view[2], y_max=view[3],
            include_deleted=deleted,
        )  # fmt: skip
        expected = brute_force(rows, image.pk, frame, view, deleted)
        assert set(got.values_list("id", flat=True)) == expected, view
        fast = viewport_rows(
            image=image.pk, frame=frame, x_min=view[0], y_min=view[1], x_max=view[2],
            y_max=view[3], include_deleted=deleted,
        )  # fmt: skip
        assert [pk for pk, _ in fast] == sorted(expected), view
        checked += bool(expected)
    assert checked > 50  # the viewports did hit something
    vectors = dict(Annotation.objects.filter(image=image).values_list("id", "vector"))
    assert all(vector == vectors[pk] for pk, vector in fast)  # decoded as stored


def test_the_plain_query_gives_the_same_answer_as_the_index(
    cast: Cast, types: dict[str, AnnotationType]
) -> None:
    image, rows = load(cast, types, 2_000, seed=3)
    for view in viewports(random.Random(5), rows):
        box: dict[str, Any] = dict(zip(("x_min", "y_min", "x_max", "y_max"), view, strict=True))
        indexed = annotations_in_viewport(image=image, frame=1, **box)
        plain = annotations_in_viewport(image=image, frame=1, use_index=False, **box)
        assert list(indexed.values_list("id", flat=True)) == list(
            plain.values_list("id", flat=True)
        )


def ids_in(image: Image, view: tuple[int, int, int, int], frame: int = 1, **kw: Any) -> set[int]:
    box: dict[str, Any] = dict(zip(("x_min", "y_min", "x_max", "y_max"), view, strict=True))
    return set(
        annotations_in_viewport(image=image, frame=frame, **box, **kw).values_list("id", flat=True)
    )


LEFT, RIGHT = (0, 0, 1000, 1000), (5000, 5000, 6000, 6000)


def expected_cell(box: tuple[float, float, float, float] | None) -> int | None:
    """The spatial key written out independently of lamella.annotations.spatial."""
    if box is None:
        return None
    x0, y0, x1, y1 = box
    level = 7
    while level < 31 and not max(x1 - x0, y1 - y0) < 2**level:
        level += 1
    column, row = (min(int(max(v, 0) // 2**level), 2**21 - 1) for v in (x0, y0))
    return level * 2**42 + row * 2**21 + column


def index_in_step() -> None:
    """Every annotation's key is the one its bbox gives (the database computes it)."""
    rows = Annotation.objects.values_list("x_min", "y_min", "x_max", "y_max", "cell")
    for *box, cell in rows:
        assert cell == expected_cell(None if box[0] is None else tuple(box)), (box, cell)


def test_every_write_keeps_the_index_in_step(cast: Cast, types: dict[str, AnnotationType]) -> None:
    box = types["1"]
    annotation = create_annotation(
        user=cast.owner,
        image=cast.image,
        annotation_type=box,
        vector={"x1": 10, "y1": 10, "x2": 50, "y2": 50},
    )
    assert ids_in(cast.image, LEFT) == {annotation.pk} and not ids_in(cast.image, RIGHT)
    index_in_step()
    update_annotation(
        user=cast.member,
        annotation=annotation,
        vector={"x1": 5500, "y1": 5500, "x2": 5600, "y2": 5600},
    )
    assert not ids_in(cast.image, LEFT) and ids_in(cast.image, RIGHT) == {annotation.pk}
    index_in_step()
    update_annotation(user=cast.member, annotation=annotation, vector=None)
    assert not ids_in(cast.image, RIGHT)
    index_in_step()
    update_annotation(
        user=cast.member,
        annotation=annotation,
        vector={"x1": 10, "y1": 10, "x2": 50, "y2": 50, "frame": 2},
    )
    assert not ids_in(cast.image, LEFT) and ids_in(cast.image, LEFT, frame=2) == {annotation.pk}
    soft_delete_annotation(user=cast.member, annotation=annotation)
    assert not ids_in(cast.image, LEFT, frame=2)
    assert ids_in(cast.image, LEFT, frame=2, include_deleted=True) == {annotation.pk}
    restore_annotation(user=cast.member, annotation=annotation)
    assert ids_in(cast.image, LEFT, frame=2) == {annotation.pk}
    index_in_step()
    delete_annotation(user=cast.member, annotation=annotation)
    assert not ids_in(cast.image, LEFT, frame=2, include_deleted=True)
    index_in_step()


@pytest.mark.parametrize("count", [10, 3_000], ids=["small-batch", "large-batch"])
def test_bulk_create_keeps_the_index_in_step_and_fails_whole(
    cast: Cast, types: dict[str, AnnotationType], count: int
) -> None:
    items = [
        {
            "annotation_type": types["5"],
            "vector": {"x1": i, "y1": 0, "x2": i + 5, "y2": 9, "x3": i, "y3": 9},
        }
        for i in range(count)
    ]
    created = bulk_create_annotations(user=cast.owner, items=items, image=cast.image)
    assert ids_in(cast.image, (0, 0, 20, 20)) == {a.pk for a in created[:21]}
    index_in_step()
    bad = [*items, {"annotation_type": types["5"], "vector": {"x1": 1, "y1": 1}}]
    with pytest.raises(ValueError, match=f"item {count}"):
        bulk_create_annotations(user=cast.owner, items=bad, image=cast.image)
    clash = [*items[:-1], {**items[0], "unique_identifier": created[0].unique_identifier}]
    with pytest.raises(AnnotationInputError):
        bulk_create_annotations(user=cast.owner, items=clash, image=cast.image)
    assert Annotation.objects.count() == count
    index_in_step()


def test_multi_frame_types_show_on_every_frame(
    cast: Cast, types: dict[str, AnnotationType]
) -> None:
    vector = {"x1": 10, "y1": 10, "x2": 50, "y2": 50, "frame": 2}
    multi = create_annotation(
        user=cast.owner, image=cast.image, annotation_type=types["multi"], vector=vector
    )
    single = create_annotation(
        user=cast.owner, image=cast.image, annotation_type=types["1"], vector=vector
    )
    assert ids_in(cast.image, LEFT, frame=5) == {multi.pk}
    assert ids_in(cast.image, LEFT, frame=2) == {multi.pk, single.pk}
    assert set(annotations_of_image(image=cast.image, frame=3)) == {multi}


def test_a_row_written_without_the_service_layer_still_gets_its_key(
    cast: Cast, types: dict[str, AnnotationType]
) -> None:
    annotation = create_annotation(
        user=cast.owner, image=cast.image, annotation_type=types["1"],
        vector={"x1": 10, "y1": 10, "x2": 50, "y2": 50},
    )  # fmt: skip
    # Raw SQL, as a repair script would: the generated column follows the bbox.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE annotations_annotation SET x_min = 5000, x_max = 9000, y_min = 5200,"
            " y_max = 5300 WHERE id = %s",
            [annotation.pk],
        )
    index_in_step()
    assert ids_in(cast.image, RIGHT) == {annotation.pk} and not ids_in(cast.image, LEFT)


def plan(sql: str, params: Any) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " | ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}", params)
        return " | ".join(row[0] for row in cursor.fetchall())


def test_the_spatial_index_drives_the_viewport_query_alone_and_as_a_subquery(
    cast: Cast, types: dict[str, AnnotationType]
) -> None:
    if connection.vendor not in ("sqlite", "postgresql"):
        pytest.skip("no spatial index on this backend")
    image, _ = load(cast, types, 3_000, seed=13)
    if connection.vendor == "postgresql":
        # Fresh rows have no statistics yet; autovacuum would gather them after an import.
        # On 3,000 rows a scan of the table or of its primary key (the order) is cheaper;
        # allow bitmap scans only, to see that the index *can* serve each form (a subquery
        # naming the outer table, not its alias, could not). Measured on 10^6 rows in
        # benchmarks/viewport.py, the planner picks it by itself.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE annotations_annotation")
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_indexscan = off")
    box: dict[str, Any] = {"x_min": 100, "y_min": 100, "x_max": 900, "y_max": 700}
    viewport = annotations_in_viewport(image=image, frame=1, **box)
    # The REST API's form: the viewport as an id__in subquery of a wider queryset.
    wrapped = Annotation.objects.filter(id__in=viewport.values("id"))
    assert set(wrapped) == set(viewport)
    statements = [queryset.query.sql_with_params() for queryset in (viewport, wrapped)]
    if connection.vendor == "postgresql":  # a prepared statement, not through Django
        edges = (box["x_min"], box["y_min"], box["x_max"], box["y_max"])
        statements.append(viewport_statement_pg(image.pk, 1, edges, False))
    else:
        with CaptureQueriesContext(connection) as fast:
            viewport_rows(image=image, frame=1, **box)
        # The fast path's SQL as sent (parameters inlined by the driver's formatting).
        statements.append((fast.captured_queries[-1]["sql"], ()))
    for sql, params in statements:
        found = plan(sql, params)
        assert "annotation_image_cell" in found, found
        if connection.vendor == "sqlite":
            # Without ANALYZE statistics SQLite might rather walk another (image, ...) B-tree.
            assert "annotation_image_id" not in found, found


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("target", ["0003", "0002"], ids=["to-the-r-tree", "to-no-index"])
def test_the_spatial_index_migration_reverses(
    cast: Cast, types: dict[str, AnnotationType], target: str
) -> None:
    vector = {"x1": 10, "y1": 10, "x2": 50, "y2": 50}
    annotation = create_annotation(
        user=cast.owner, image=cast.image, annotation_type=types["1"], vector=vector
    )
    call_command("migrate", "annotations", target, verbosity=0)
    try:
        columns = [
            column.name
            for column in connection.introspection.get_table_description(
                connection.cursor(), "annotations_annotation"
            )
        ]
        assert "cell" not in columns
        assert ids_in(cast.image, LEFT, use_index=False) == {annotation.pk}
    finally:
        call_command("migrate", "annotations", verbosity=0)
    assert ids_in(cast.image, LEFT) == {annotation.pk}  # the key was computed for the old row
    index_in_step()


@pytest.mark.django_db
def test_the_server_computes_the_same_key_ranges_as_python() -> None:
    """PostgreSQL's viewport statement computes its key ranges itself; they must be the very
    ranges of spatial.viewport_ranges, edges, clamping and whole rows included."""
    if connection.vendor != "postgresql":
        pytest.skip("the ranges are computed by the server on PostgreSQL only")
    rng = random.Random(7)
    boxes = [(0.0, 0.0, 0.0, 0.0), (-5.0, -5.0, 3.0, 3.0), (0.0, 0.0, 1e12, 1e12)]
    boxes += [(127.999, 128.0, 128.0, 255.5), (0.0, 0.0, 2.0**21 * 128 * 3, 10.0)]
    for _ in range(300):
        x, y = rng.uniform(-1000, 200_000), rng.uniform(-1000, 200_000)
        size = rng.choice([0, 1, 127, 2000, 100_000, 10**7]) * rng.random()
        boxes.append((x, y, x + size, y + size * rng.random()))
    sql = viewport_ranges_sql(*["%s::float8"] * 4)
    with connection.cursor() as cursor:
        for box in boxes:
            cursor.execute(sql, list(box))
            assert sorted(cursor.fetchall()) == sorted(viewport_ranges(*box)), box


def test_the_postgresql_viewport_statement_is_prepared_once(
    cast: Cast, types: dict[str, AnnotationType]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a server-side prepared statement is PostgreSQL's")
    image, _ = load(cast, types, 200, seed=3)
    for offset in range(8):
        viewport_rows(image=image, frame=1, x_min=offset, y_min=0, x_max=900, y_max=700)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE 'SELECT a.id, a.vector::text FROM %%'"
        )
        assert cursor.fetchall() == [(8,)]
