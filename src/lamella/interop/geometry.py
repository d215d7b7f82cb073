"""Simple-features geometry (GeoJSON / WKT) to EXACT shapes and back.

Coordinates use GeoJSON's nesting: a Point is ``[x, y]``, a LineString a list of points, a
Polygon a list of rings (the first is the outline, the others holes). EXACT has no holes and no
multi-geometries: a Multi* becomes one shape per part, holes go to ``Shape.holes``, and an
axis-aligned 4-corner polygon becomes a box when ``detect_boxes`` (QuPath writes rectangles so).
"""

from __future__ import annotations

import math
from typing import Any

from lamella.interop.model import (
    DEFAULT_POINT_RADIUS,
    ParseError,
    Point,
    Shape,
    VectorType,
    is_axis_aligned_rectangle,
    to_number,
)

Geometry = tuple[str, Any]
_NUMBERS = (int, float)  # (GeoJSON type name, coordinates)


def shapes(
    kind: str,
    coordinates: Any,
    *,
    location: str,
    point_radius: float = DEFAULT_POINT_RADIUS,
    detect_boxes: bool = True,
    frame: int | None = None,
) -> list[Shape]:
    """The shapes one geometry stands for (several for a Multi* geometry)."""
    if kind == "Point":
        x, y = _point(coordinates, location)
        return [Shape.point(x, y, point_radius, frame=frame)]
    if kind == "MultiPoint":
        points = _points(coordinates, location, 1)
        if len(points) == 1:
            return [Shape.point(*points[0], point_radius, frame=frame)]
        shape = Shape.from_points(VectorType.MULTI_LINE, points, frame=frame)
        shape.hint = "multipoint"
        return [shape]
    if kind == "LineString":
        points = _points(coordinates, location, 2)
        line = VectorType.LINE if len(points) == 2 else VectorType.MULTI_LINE
        return [Shape.from_points(line, points, frame=frame)]
    if kind == "Polygon":
        return [_polygon(coordinates, location, detect_boxes, frame)]
    if kind in ("MultiLineString", "MultiPolygon"):
        part = kind.removeprefix("Multi")
        if not isinstance(coordinates, list):
            raise ParseError(f"{kind} coordinates must be a list", location=location)
        result = []
        for index, item in enumerate(coordinates):
            result += shapes(
                part,
                item,
                location=f"{location}, part {index}",
                point_radius=point_radius,
                detect_boxes=detect_boxes,
                frame=frame,
            )
        return result
    raise ParseError(f"unsupported geometry type {kind!r}", location=location)


def _point(value: Any, location: str) -> Point:
    # fast path for well-formed JSON numbers: imports of a million features spend most here
    if type(value) is list and len(value) >= 2:
        x, y = value[0], value[1]
        if type(x) in _NUMBERS and type(y) in _NUMBERS and math.isfinite(x + y):
            return float(x), float(y)
    if not isinstance(value, list | tuple) or len(value) < 2:
        raise ParseError(f"a position must be [x, y], not {value!r}", location=location)
    x = to_number(value[0], location=location, what="x")
    y = to_number(value[1], location=location, what="y")
    return float(x), float(y)


def _points(value: Any, location: str, minimum: int) -> list[Point]:
    if not isinstance(value, list | tuple):
        raise ParseError("coordinates must be a list of positions", location=location)
    points = [_point(item, location) for item in value]
    if len(points) < minimum:
        raise ParseError(f"needs at least {minimum} positions", location=location)
    return points


def _ring(value: Any, location: str) -> list[Point]:
    points = _points(value, location, 3)
    if len(points) > 3 and points[0] == points[-1]:
        points.pop()
    if len(points) < 3:
        raise ParseError("a polygon ring needs 3 distinct positions", location=location)
    return points


def _polygon(value: Any, location: str, detect_boxes: bool, frame: int | None) -> Shape:
    if not isinstance(value, list) or not value:
        raise ParseError("a Polygon needs at least one ring", location=location)
    outline = _ring(value[0], location)
    holes = [_ring(ring, location) for ring in value[1:]]
    if detect_boxes and not holes and is_axis_aligned_rectangle(outline):
        xs, ys = [p[0] for p in outline], [p[1] for p in outline]
        return Shape.box(min(xs), min(ys), max(xs), max(ys), frame=frame)
    shape = Shape.from_points(VectorType.POLYGON, outline, frame=frame)
    shape.holes = holes
    return shape


def geometry(shape: Shape) -> Geometry | None:
    """``(type, coordinates)`` for a shape, or ``None`` when it has no place on the image."""
    kind = shape.kind
    if shape.not_in_image or kind in (None, VectorType.GLOBAL, VectorType.SEGMENTATION):
        return None
    if kind == VectorType.POINT:
        return "Point", list(shape.centre() or (0.0, 0.0))
    if kind in (VectorType.BOUNDING_BOX, VectorType.FIXED_SIZE_BOUNDING_BOX):
        return "Polygon", [_closed(shape.corners())]
    points = [list(p) for p in shape.points()]
    if kind in (VectorType.LINE, VectorType.MULTI_LINE):
        return ("MultiPoint" if shape.hint == "multipoint" else "LineString"), points
    return "Polygon", [_closed(shape.points()), *(_closed(hole) for hole in shape.holes)]


def _closed(points: list[Point]) -> list[list[float]]:
    ring = [list(p) for p in points]
    return [*ring, ring[0]] if ring else ring
