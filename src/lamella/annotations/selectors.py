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
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from lamella.annotations.models import Annotation
from lamella.images.models import Image

_RTREE_IDS = (
    "SELECT id FROM annotations_annotation_rtree WHERE image_min <= %s AND image_max >= %s"
    " AND x_min <= %s AND x_max >= %s AND y_min <= %s AND y_max >= %s"
)
# Must stay the very expression of the GiST index of migration 0003, or PostgreSQL ignores it.
_PG_OVERLAPS = (
    'box(point("annotations_annotation"."x_min", "annotations_annotation"."y_min"),'
    ' point("annotations_annotation"."x_max", "annotations_annotation"."y_max"))'
    " && box(point(%s, %s), point(%s, %s))"
)


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
        queryset = queryset.filter(Q(frame=frame) | Q(annotation_type__multi_frame=True))
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
    queryset = annotations_of_image(image=image_id, frame=frame, include_deleted=include_deleted)
    queryset = queryset.filter(_bbox_intersects(x_min, y_min, x_max, y_max))
    if not use_index:
        return queryset
    if connection.vendor == "sqlite":
        params = [image_id, image_id, x_max, x_min, y_max, y_min]
        return queryset.filter(id__in=RawSQL(_RTREE_IDS, params))
    if connection.vendor == "postgresql":
        overlaps = RawSQL(_PG_OVERLAPS, [x_min, y_min, x_max, y_max], output_field=BooleanField())
        return queryset.filter(overlaps)
    return queryset
