"""``GET /api/v1/annotations/annotations/density/?image=ID&cell=C[&in_bbox=x1,y1,x2,y2]``.

The viewer's level of detail: when a view would hold more annotations than it can draw
fluidly, it asks for their counts per grid cell instead (see ``lamella.annotations.density``)
and learns from the total whether the shapes of the view are few enough to fetch.

Input: ``image`` (required), ``cell`` (required; image pixels, a power of two up to 2^20),
``in_bbox`` (default: the whole image), ``frame`` (default 1; multi-frame types included),
``annotation_type`` (an id or comma-separated ids). Only live (not deleted) annotations count.

Output: ``{"cell": C, "count": total, "x": [...], "y": [...], "annotation_type": [...],
"n": [...]}``, parallel arrays with one entry per non-empty (cell, type): cell column and row
(cell ``x`` spans image pixels ``[x * C, (x + 1) * C)``), the type id and the count.
"""

import math
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.request import Request
from rest_framework.views import APIView

from lamella.accounts.policy import Action, can
from lamella.annotations.density import Box, Density, DensityError, annotation_density
from lamella.images.models import Image

MAX_ID = 2**63


def _positive_int(params: Any, name: str, default: int | None = None) -> int:
    raw = params.get(name)
    if raw in (None, "") and default is not None:
        return default
    if raw is None or not raw.isdigit() or not 0 < int(raw) < MAX_ID:
        raise ParseError(f"{name} must be a positive integer, not {raw!r}")
    return int(raw)


def _box(raw: str | None, image: Image) -> Box:
    if raw is None:
        return Box(0, 0, image.width or 0, image.height or 0)
    try:
        x1, y1, x2, y2 = (float(part) for part in raw.split(","))
    except ValueError as exc:
        raise ParseError(f"in_bbox must be x1,y1,x2,y2 numbers, not {raw!r}") from exc
    if not all(math.isfinite(v) and abs(v) < 2**40 for v in (x1, y1, x2, y2)):
        raise ParseError(f"in_bbox must hold finite image coordinates, not {raw!r}")
    return Box(min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


def _type_ids(raw: str | None) -> list[int] | None:
    if not raw:
        return None
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts or not all(part.isdigit() and 0 < int(part) < MAX_ID for part in parts):
        raise ParseError(f"annotation_type must be comma-separated positive integers, not {raw!r}")
    return [int(part) for part in parts]


def to_json(density: Density) -> str:
    """The answer's JSON text, written directly: up to 2^18 cells of four integers each."""
    columns = {
        "x": density.x,
        "y": density.y,
        "annotation_type": density.annotation_type,
        "n": density.n,
    }
    parts = [f'{{"cell":{density.cell},"count":{density.count}']
    for name, values in columns.items():
        parts.append(f',"{name}":[' + ",".join(map(str, values.tolist())) + "]")
    return "".join(parts) + "}"


DENSITY_PARAMETERS = [
    OpenApiParameter("image", int, required=True, description="the image to count on"),
    OpenApiParameter(
        "cell", int, required=True, description="cell size in image pixels, a power of two"
    ),
    OpenApiParameter("in_bbox", str, description="x1,y1,x2,y2: the cells meeting this box"),
    OpenApiParameter("frame", int, description="frame (1-based); multi-frame types included"),
    OpenApiParameter("annotation_type", str, description="a type id or comma-separated ids"),
]


class AnnotationDensityView(APIView):
    """Counts of the live annotations of one image per grid cell and annotation type."""

    @extend_schema(
        operation_id="annotations_annotations_density",
        parameters=DENSITY_PARAMETERS,
        responses={
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='{"cell": C, "count": n, "x": [], "y": [], "annotation_type": [],'
                ' "n": []}',
            ),
            400: OpenApiResponse(description="a malformed parameter"),
            404: OpenApiResponse(description="no such image, or not readable by you"),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        """Count the annotations of ``image`` per cell of ``cell`` pixels."""
        params = request.query_params
        image_id = _positive_int(params, "image")
        image = Image.objects.select_related("image_set").filter(pk=image_id).first()
        if image is None or not can(request.user, image.image_set, Action.READ):
            raise NotFound(f"Image {image_id} not found.")
        cell = _positive_int(params, "cell")
        frame = _positive_int(params, "frame", default=1)
        if frame >= 2**31:
            raise ParseError(f"frame must be a frame number, not {frame}")
        box = _box(params.get("in_bbox"), image)
        type_ids = _type_ids(params.get("annotation_type"))
        try:
            density = annotation_density(
                image_id=image.pk, frame=frame, box=box, cell=cell, type_ids=type_ids
            )
        except DensityError as exc:
            raise ParseError(str(exc)) from exc
        response = HttpResponse(to_json(density), content_type="application/json")
        response["Cache-Control"] = "no-store"
        return response
