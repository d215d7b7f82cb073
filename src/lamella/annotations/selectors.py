"""Reads of annotations, above all the viewport query the viewer sends on every pan and zoom.

A viewport returns exactly the annotations of one image whose bbox intersects the rectangle
``[x_min, x_max] x [y_min, y_max]`` on that frame, or on any frame when their type is
``multi_frame``. Edges count: a box that only touches the viewport is returned, because the
viewer draws strokes on the edge and a box ending at x = 100 is visible in a view starting
there. Annotations without a bbox (not in image, global labels) are never in a viewport; see
:func:`annotations_of_image`.

The spatial index is a B-tree on ``(image_id, cell)``, ``cell`` being the loose quadtree key of
the bbox (:mod:`lamella.annotations.spatial`); a viewport reads ~60 key ranges of it, then the
bbox columns are compared exactly. :func:`viewport_rows` runs that as one SQL statement (the
viewer's hot path); :func:`annotations_in_viewport` gives the same set as a queryset for the
REST API to filter further.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from psycopg import Cursor

from lamella.annotations.models import Annotation, AnnotationType
from lamella.annotations.spatial import level_of, viewport_ranges, viewport_ranges_sql
from lamella.images.models import Image

try:  # optional: decodes a vector several times faster than json.loads
    from orjson import loads as _loads
except ImportError:  # pragma: no cover - depends on the environment
    from json import loads as _loads  # type: ignore[assignment]

_INDEXED = ("sqlite", "postgresql")
_ON_FRAME = (
    "(a.frame = %s OR a.annotation_type_id IN"
    " (SELECT id FROM annotations_annotationtype WHERE multi_frame))"
)


def _on_frame(frame: int) -> Q:
    # A tiny uncorrelated subquery rather than a join to the annotation types on every row.
    multi_frame = AnnotationType.objects.filter(multi_frame=True).values("id")
    return Q(frame=frame) | Q(annotation_type_id__in=multi_frame)


def annotations_of_image(
    *,
    image: Image | int,
    frame: int | None = None,
    include_deleted: bool = False,
    annotation_type_id: int | None = None,
) -> QuerySet[Annotation]:
    """All annotations of an image, optionally of one frame (multi-frame types included)."""
    queryset = Annotation.objects.filter(image=image)
    if not include_deleted:
        queryset = queryset.filter(deleted=False)
    if frame is not None:
        queryset = queryset.filter(_on_frame(frame))
    if annotation_type_id is not None:
        queryset = queryset.filter(annotation_type_id=annotation_type_id)
    return queryset


def _bbox_intersects(x_min: float, y_min: float, x_max: float, y_max: float) -> Q:
    return Q(x_min__lte=x_max, x_max__gte=x_min, y_min__lte=y_max, y_max__gte=y_min)


def _top_level(image_id: Any) -> int | None:
    """The highest quadtree level among the image's annotations (one index probe), or None
    when none has a bbox."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(cell) FROM annotations_annotation WHERE image_id = %s", [image_id]
        )
        (top,) = cursor.fetchone()
    return None if top is None else level_of(top)


def _candidates_sql(image_id: int, box: Sequence[float], top: int) -> tuple[str, list[Any]]:
    """``FROM``/``WHERE`` of the annotations (alias ``a``) of the image in the viewport's cells.

    SQLite gets the ranges as a tiny table it must walk first (CROSS JOIN fixes the order), so
    it seeks the index once per range; PostgreSQL gets them OR-ed, which it turns into one
    bitmap index scan per range (its estimates for a join on ranges are poor).
    """
    if connection.vendor == "postgresql":
        cells, cell_bounds = _cells_pg(box, top, column="a.cell")
        sql = f"SELECT {{columns}} FROM annotations_annotation a WHERE a.image_id = %s AND {cells}"
        return sql, [image_id, *cell_bounds]
    ranges = viewport_ranges(box[0], box[1], box[2], box[3], top_level=top)
    bounds = [bound for pair in ranges for bound in pair]
    values = ", ".join(["(%s, %s)"] * len(ranges))
    sql = (
        f"WITH r(lo, hi) AS (VALUES {values}) SELECT {{columns}}"
        " FROM r CROSS JOIN annotations_annotation a"
        " WHERE a.image_id = %s AND a.cell BETWEEN r.lo AND r.hi"
    )
    return sql, [*bounds, image_id]


def _cells_pg(box: Sequence[float], top: int, column: str) -> tuple[str, list[int]]:
    ranges = viewport_ranges(box[0], box[1], box[2], box[3], top_level=top)
    ors = " OR ".join([f"{column} BETWEEN %s AND %s"] * len(ranges))
    return f"({ors})", [bound for pair in ranges for bound in pair]


def viewport_rows(
    *,
    image: Image | int,
    frame: int,
    x_min: float,
    y_min: float,
    x_max: float,
    y_max: float,
    include_deleted: bool = False,
) -> list[tuple[int, Any]]:
    """``(id, vector)`` of the annotations in the viewport, by id: one statement, no ORM.

    The same set as :func:`annotations_in_viewport`, for callers that need only geometry.
    """
    image_id: Any = image.pk if isinstance(image, Image) else image
    box = (x_min, y_min, x_max, y_max)
    vendor = connection.vendor
    if vendor not in _INDEXED:
        queryset = annotations_in_viewport(
            image=image_id, frame=frame, include_deleted=include_deleted,
            x_min=x_min, y_min=y_min, x_max=x_max, y_max=y_max,
        )  # fmt: skip
        return list(queryset.values_list("id", "vector"))
    if vendor == "postgresql":
        return _viewport_rows_pg(image_id, frame, box, include_deleted)
    top = _top_level(image_id)
    if top is None:
        return []
    template, params = _candidates_sql(image_id, box, top)
    sql = f"{template.format(columns='a.id, a.vector')}{_exact_tail(include_deleted)}"
    params += [x_max, x_min, y_max, y_min, frame]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(pk, None if text is None else _loads(text)) for pk, text in cursor.fetchall()]


def _exact_tail(include_deleted: bool) -> str:
    return (
        " AND a.x_min <= %s AND a.x_max >= %s AND a.y_min <= %s AND a.y_max >= %s"
        f" AND {_ON_FRAME}{'' if include_deleted else ' AND NOT a.deleted'} ORDER BY a.id"
    )


# The viewport's key ranges computed by the server from the four edges, each range read by its
# own index scan (LATERAL with OFFSET 0: the planner may not merge it into a join), and ranges
# above the image's highest key dropped by one index probe in the same statement. The text
# never changes, so it is prepared once per connection (~0.8 ms of planning saved per query)
# and its generic plan keeps that shape; OR-ed ranges needed planning each time, and ranges
# sent as arrays cost the client ~0.35 ms to compute and send (docs/performance.md).
_EDGE = "%s::float8"
_VIEWPORT_PG = (
    f"SELECT a.id, a.vector::text FROM ({viewport_ranges_sql(_EDGE, _EDGE, _EDGE, _EDGE)}) AS r"
    " CROSS JOIN LATERAL (SELECT * FROM annotations_annotation c"
    " WHERE c.image_id = %s AND c.cell BETWEEN r.lo AND r.hi OFFSET 0) a"
    " WHERE r.lo <= (SELECT max(m.cell) FROM annotations_annotation m WHERE m.image_id = %s)"
)


def viewport_statement_pg(
    image_id: Any, frame: int, box: tuple[float, float, float, float], include_deleted: bool
) -> tuple[str, list[Any]]:
    """The SQL and parameters of viewport_rows on PostgreSQL."""
    x_min, y_min, x_max, y_max = (float(value) for value in box)
    params = [x_min, y_min, x_max, y_max, image_id, image_id]
    return _VIEWPORT_PG + _exact_tail(include_deleted), [*params, x_max, x_min, y_max, y_min, frame]


def _viewport_rows_pg(
    image_id: Any, frame: int, box: tuple[float, float, float, float], include_deleted: bool
) -> list[tuple[int, Any]]:
    """viewport_rows on PostgreSQL: one prepared statement (server-side binding)."""
    sql, params = viewport_statement_pg(image_id, frame, box, include_deleted)
    connection.ensure_connection()
    with connection.wrap_database_errors, Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return [(pk, None if text is None else _loads(text)) for pk, text in cursor.fetchall()]


def annotations_in_viewport(
    *,
    image: Image | int,
    frame: int,
    x_min: float,
    y_min: float,
    x_max: float,
    y_max: float,
    include_deleted: bool = False,
    use_index: bool = True,
) -> QuerySet[Annotation]:
    """Annotations whose bbox intersects the viewport on ``frame`` (edges touching included).

    ``use_index=False`` gives the same answer from the bbox columns alone (for benchmarks).
    """
    image_id: Any = image.pk if isinstance(image, Image) else image
    exact = _bbox_intersects(x_min, y_min, x_max, y_max)
    deleted = Q() if include_deleted else Q(deleted=False)
    if not use_index or connection.vendor not in _INDEXED:
        return Annotation.objects.filter(exact, deleted, _on_frame(frame), image_id=image_id)
    box = (x_min, y_min, x_max, y_max)
    top = _top_level(image_id)
    if top is None:
        return Annotation.objects.none()
    spatial: list[Any]
    if connection.vendor == "postgresql":
        # The ranges beside the image in the query's own WHERE: as an id IN (...) subquery,
        # the planner may drive it from the outer table instead (seen on small tables).
        cells, bounds = _cells_pg(box, top, column="cell")
        spatial = [Q(image_id=image_id), RawSQL(cells, bounds, output_field=BooleanField())]
    else:
        template, params = _candidates_sql(image_id, box, top)
        # The image is already the subquery's; naming it again outside would tempt SQLite's
        # planner (no statistics: Django never runs ANALYZE) to walk the (image, ...) B-trees.
        spatial = [Q(id__in=RawSQL(template.format(columns="a.id"), params))]
    # One filter() call: each call clones the queryset, a visible share of a 1 ms query.
    return Annotation.objects.filter(*spatial, deleted, _on_frame(frame), exact)
