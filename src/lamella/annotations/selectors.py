"""Reads of annotations, above all the viewport query the viewer sends on every pan and zoom.

A viewport returns exactly the annotations of one image whose bbox intersects the rectangle
``[x_min, x_max] x [y_min, y_max]`` on that frame, or on any frame when their type is
``multi_frame``. Edges count: a box that only touches the viewport is returned, because the
viewer draws strokes on the edge and a box ending at x = 100 is visible in a view starting
there. Annotations without a bbox (not in image, global labels) are never in a viewport; see
:func:`annotations_of_image`.

The spatial index (migration 0003) narrows the search: SQLite's R*Tree through
``id IN (SELECT id FROM rtree ...)``, PostgreSQL's GiST through ``&&`` on the indexed ``box``
expression. The R*Tree stores 32-bit floats rounded outwards, so the bbox columns are compared
again to make the answer exact.
"""

from typing import Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    F,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.db.models.lookups import Exact

from lamella.annotations.models import Annotation, AnnotationType
from lamella.images.models import Image

_RTREE_IDS = (
    "SELECT id FROM annotations_annotation_rtree WHERE image_min <= %s AND image_max >= %s"
    " AND x_min <= %s AND x_max >= %s AND y_min <= %s AND y_max >= %s"
)


class _Box(Func):
    """PostgreSQL's ``box(point(x0, y0), point(x1, y1))``."""

    function = "box"

    def __init__(self, x0: Any, y0: Any, x1: Any, y1: Any) -> None:
        point = "point"
        super().__init__(Func(x0, y0, function=point), Func(x1, y1, function=point))


class _Overlaps(Func):
    """``a && b`` for boxes. Built from expressions, not raw SQL naming the table, so that the
    columns follow Django's alias when the viewport query is a subquery (the REST API's
    ``id__in``); with a hard-coded table name the subquery became correlated to the outer one."""

    arg_joiner = " && "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _NoIndex(Func):
    """SQLite's unary ``+``: the same value, but no index may serve a comparison on it."""

    template = "+%(expressions)s"
    output_field = IntegerField()


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
    if not use_index or connection.vendor not in ("sqlite", "postgresql"):
        queryset = annotations_of_image(
            image=image_id, frame=frame, include_deleted=include_deleted
        )
        return queryset.filter(exact)
    if connection.vendor == "sqlite":
        # The R*Tree must drive the query. Django never runs ANALYZE, and without statistics
        # SQLite prefers the (image, ...) B-trees and tests every annotation of the image
        # against the id list: 175 ms instead of 1 ms for 300,000 annotations. So the image
        # is compared through unary + (no index can serve it); the tree's image dimension
        # already narrows to it, the comparison keeps the answer exact.
        spatial: list[Any] = [
            Exact(_NoIndex(F("image_id")), image_id),
            Q(id__in=RawSQL(_RTREE_IDS, [image_id, image_id, x_max, x_min, y_max, y_min])),
        ]
    else:
        # image_id is a bigint: compared with a plain (int4) literal, btree_gist cannot use
        # the leading column of the GiST index and every image's boxes in the view are read.
        indexed = _Box(F("x_min"), F("y_min"), F("x_max"), F("y_max"))
        viewport = _Box(Value(x_min), Value(y_min), Value(x_max), Value(y_max))
        spatial = [
            Exact(F("image_id"), Cast(Value(image_id), BigIntegerField())),
            # Must stay the very expression of the GiST index of migration 0003.
            _Overlaps(indexed, viewport),
        ]
    if not include_deleted:
        spatial.append(Q(deleted=False))
    # One filter() call: each call clones the queryset, a visible share of a 1 ms query.
    return Annotation.objects.filter(*spatial, _on_frame(frame), exact)
