"""EXACT annotation vectors: validation and the (frame, bbox) extent stored beside them.

An EXACT vector is a flat JSON object ``{"x1": .., "y1": .., ..., "xn": .., "yn": ..}`` of level-0
pixel coordinates, with an optional 1-based ``"frame"`` key (missing means frame 1). ``None``
means "not in image"; a global label (vector type 7) may be ``{"frame": n}`` with no coordinates.
This module imports nothing from Django, so importers and the client can use it as it is.
"""

import math
import operator
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

BOUNDING_BOX = 1
POINT = 2
LINE = 3
MULTI_LINE = 4
POLYGON = 5
FIXED_SIZE_BOUNDING_BOX = 6
GLOBAL = 7
SEGMENTATION = 8
VECTOR_TYPES = frozenset(range(1, 9))

# Points are stored as the bbox of a drawn circle, so a point near the edge pokes out of the
# image by its radius; scanners also report sizes a few pixels off. Allow that much, not more.
MIN_TOLERANCE = 64.0
RELATIVE_TOLERANCE = 0.01

_COORDINATE_KEY = re.compile(r"^([xy])([1-9][0-9]*)$")


class VectorError(ValueError):
    """A vector that does not fit its annotation type; the message names the problem."""


class Extent(NamedTuple):
    """Where an annotation lies: its frame and bounding box (all four None without coordinates)."""

    frame: int
    x_min: float | None
    y_min: float | None
    x_max: float | None
    y_max: float | None


def _is_number(value: Any) -> bool:
    # bool is a subclass of int in Python, but ``true`` is not a coordinate.
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_finite_number(value: Any) -> bool:
    try:
        return _is_number(value) and math.isfinite(value)
    except OverflowError:  # an int beyond float range
        return False


# The ``frame`` column is a 32-bit integer; a larger frame would make the database raise.
MAX_FRAME = 2**31 - 1


def frame_of(vector: Mapping[str, Any] | None) -> int:
    """The 1-based frame of a vector (1 when absent)."""
    if not vector:
        return 1
    frame = vector.get("frame", 1)
    if type(frame) is int and 1 <= frame <= MAX_FRAME:
        return frame
    if not _is_finite_number(frame) or frame != int(frame) or not 1 <= frame <= MAX_FRAME:
        raise VectorError(f"frame must be a whole number from 1 to {MAX_FRAME}, not {frame!r}")
    return int(frame)


_PAIR_KEYS = [(f"x{i}", f"y{i}") for i in range(1, 1001)]
_FLOAT_TYPES = (int, float)


def _fast_nodes(vector: Mapping[str, Any]) -> list[tuple[float, float]] | None:
    """The nodes of a well-formed vector, or None to take the careful path (imports are hot)."""
    count = len(vector) - ("frame" in vector)
    if count % 2 or count // 2 > len(_PAIR_KEYS):
        return None
    nodes = []
    for x_key, y_key in _PAIR_KEYS[: count // 2]:
        x: Any = vector.get(x_key)
        y: Any = vector.get(y_key)
        # type() is exact on purpose: bool is an int subclass; odd values take the slow path.
        if type(x) not in _FLOAT_TYPES or type(y) not in _FLOAT_TYPES:
            return None
        try:
            node = (float(x), float(y))
        except OverflowError:
            return None
        if not math.isfinite(node[0] + node[1]):
            return None
        nodes.append(node)
    return nodes


def nodes_of(vector: Mapping[str, Any] | None) -> list[tuple[float, float]]:
    """The (x, y) nodes of a vector in order; keys other than x<i>/y<i> are ignored."""
    if not vector:
        return []
    fast = _fast_nodes(vector)
    if fast is not None:
        return fast
    xs: dict[int, Any] = {}
    ys: dict[int, Any] = {}
    for key, value in vector.items():
        match = _COORDINATE_KEY.match(key)
        if match is None:
            continue
        if not _is_finite_number(value):
            raise VectorError(f"{key} must be a finite number, not {value!r}")
        (xs if match.group(1) == "x" else ys)[int(match.group(2))] = value
    count = len(xs)
    if set(xs) != set(range(1, count + 1)) or set(ys) != set(xs):
        raise VectorError("coordinates must come in pairs x1, y1, x2, y2, ... numbered from 1")
    return [(float(xs[i]), float(ys[i])) for i in range(1, count + 1)]


def _extent(frame: int, nodes: list[tuple[float, float]]) -> Extent:
    if not nodes:
        return Extent(frame, None, None, None, None)
    xs = [x for x, _ in nodes]
    ys = [y for _, y in nodes]
    return Extent(frame, min(xs), min(ys), max(xs), max(ys))


def extent_of(vector: Mapping[str, Any] | None) -> Extent:
    """The frame and bounding box of a vector, without checking it against a vector type."""
    return _extent(frame_of(vector), nodes_of(vector))


def _check_node_count(vector_type: int, nodes: list[tuple[float, float]], node_count: int) -> None:
    n = len(nodes)
    if vector_type in (BOUNDING_BOX, FIXED_SIZE_BOUNDING_BOX):
        if n != 2:
            raise VectorError("a bounding box needs exactly x1, y1, x2, y2")
        (x1, y1), (x2, y2) = nodes
        if x2 <= x1:
            raise VectorError("x2 must be greater than x1 for a bounding box")
        if y2 <= y1:
            raise VectorError("y2 must be greater than y1 for a bounding box")
    elif vector_type == POINT:
        if n != 2:
            raise VectorError("a point needs exactly x1, y1, x2, y2 (the box of its circle)")
    elif vector_type == LINE:
        if n != 2:
            raise VectorError("a line needs exactly two nodes (x1, y1, x2, y2)")
    elif vector_type == MULTI_LINE:
        if n < 2:
            raise VectorError("a multi-line needs at least two nodes")
    elif vector_type == POLYGON:
        if n < 3:
            raise VectorError("a polygon needs at least three nodes")
        if node_count and n != node_count:
            raise VectorError(f"this polygon type needs exactly {node_count} nodes, not {n}")


def _check_inside(extent: Extent, width: float | None, height: float | None) -> None:
    for axis, size, low, high in (
        ("x", width, extent.x_min, extent.x_max),
        ("y", height, extent.y_min, extent.y_max),
    ):
        if size is None or low is None or high is None:
            continue
        tolerance = max(MIN_TOLERANCE, RELATIVE_TOLERANCE * size)
        if low < -tolerance or high > size + tolerance:
            raise VectorError(
                f"{axis} coordinates must lie inside the image (0 to {size:g} pixels),"
                f" found {low:g} to {high:g}"
            )


def validate_vector(
    vector: Any,
    vector_type: int,
    *,
    width: float | None = None,
    height: float | None = None,
    node_count: int = 0,
) -> Extent:
    """Check ``vector`` for an annotation type and return its extent.

    ``None`` ("not in image") is valid for every type. Coordinates must lie inside a
    ``width`` x ``height`` image, give or take a small tolerance, when those are given.
    Raises :class:`VectorError` naming the problem.
    """
    if vector_type not in VECTOR_TYPES:
        raise VectorError(f"unknown vector type {vector_type!r}")
    if vector is None:
        return Extent(1, None, None, None, None)
    if not isinstance(vector, Mapping):
        raise VectorError(f"a vector must be a JSON object or null, not {type(vector).__name__}")
    if vector_type == SEGMENTATION:
        # Segmentations keep tile metadata here; only a well-formed outline gives a bbox.
        try:
            return extent_of(vector)
        except VectorError:
            return Extent(1, None, None, None, None)
    frame = frame_of(vector)
    nodes = nodes_of(vector)
    if vector_type == GLOBAL:
        # A whole-image label has no place on the image, whatever coordinates it carries.
        return Extent(frame, None, None, None, None)
    _check_node_count(vector_type, nodes, node_count)
    extent = _extent(frame, nodes)
    _check_inside(extent, width, height)
    return extent


_NODE_GETTERS: dict[int, Any] = {}


def _nodes_getter(pairs: int) -> Any:
    getter = _NODE_GETTERS.get(pairs)
    if getter is None:
        keys = [f"{axis}{i}" for i in range(1, pairs + 1) for axis in "xy"]
        getter = _NODE_GETTERS[pairs] = operator.itemgetter(*keys)
    return getter


_SIMPLE_TYPES = frozenset({BOUNDING_BOX, POINT, LINE, MULTI_LINE, POLYGON, FIXED_SIZE_BOUNDING_BOX})


def quick_extent(
    vector: Any, vector_type: int, width: float, height: float, node_count: int = 0
) -> tuple[int, float, float, float, float] | None:
    """The extent of a plain, valid vector on frame 1 in a ``width`` x ``height`` image, or
    None: then :func:`validate_vector` decides (and names the problem).

    The bulk path's common case in a tenth of the time: only ``x1..xn, y1..yn`` keys with
    int or float values inside the image. Whatever it accepts, validate_vector accepts with the
    same extent (tests/test_annotation_services.py checks both on generated vectors).
    """
    if type(vector) is not dict or vector_type not in _SIMPLE_TYPES:
        return None
    size = len(vector)
    if size == 4:  # boxes, points and lines, most of any import: no lists, no sets
        try:
            x1, y1, x2, y2 = vector["x1"], vector["y1"], vector["x2"], vector["y2"]
        except KeyError:
            return None
        if type(x1) not in _FLOAT_SET or type(y1) not in _FLOAT_SET:
            return None
        if type(x2) not in _FLOAT_SET or type(y2) not in _FLOAT_SET:
            return None
        if vector_type == POLYGON or (
            vector_type != LINE and vector_type != MULTI_LINE and vector_type != POINT
            and (x2 <= x1 or y2 <= y1)
        ):  # fmt: skip
            return None
        x_min, x_max = (x1, x2) if x1 <= x2 else (x2, x1)
        y_min, y_max = (y1, y2) if y1 <= y2 else (y2, y1)
    else:
        pairs = size >> 1
        if size & 1 or pairs > 1000:
            return None
        try:
            values = _nodes_getter(pairs)(vector)  # x1, y1, ..., xn, yn in one call
        except KeyError:  # a frame or another key: the careful path
            return None
        kinds = set(map(type, values))
        if not kinds <= _FLOAT_SET:
            return None
        xs, ys = values[0::2], values[1::2]
        if vector_type == POLYGON:
            if pairs < 3 or (node_count and pairs != node_count):
                return None
        elif vector_type != MULTI_LINE or pairs < 2:
            return None
        x_min, x_max, y_min, y_max = min(xs), max(xs), min(ys), max(ys)
    if x_min != x_min or x_max != x_max or y_min != y_min or y_max != y_max:  # NaN
        return None
    x_slack, y_slack = RELATIVE_TOLERANCE * width, RELATIVE_TOLERANCE * height
    x_slack = MIN_TOLERANCE if x_slack < MIN_TOLERANCE else x_slack
    y_slack = MIN_TOLERANCE if y_slack < MIN_TOLERANCE else y_slack
    if x_min < -x_slack or x_max > width + x_slack or y_min < -y_slack or y_max > height + y_slack:
        return None  # also huge ints and +-inf (compared exactly, no overflow)
    if size != 4 and float in kinds and math.isnan(sum(xs) + sum(ys)):
        return None  # a NaN that min/max stepped over
    return (1, float(x_min), float(y_min), float(x_max), float(y_max))


_FLOAT_SET = frozenset(_FLOAT_TYPES)
