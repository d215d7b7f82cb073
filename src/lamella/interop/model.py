"""The neutral intermediate every format parses into and writes from.

Geometry follows EXACT (``../shared/reference/exact.md`` section 2): a flat ``vector`` dict
``{"x1", "y1", ..., "xn", "yn"}`` in level-0 pixels with an optional 1-based ``"frame"``, and the
vector type numbers 1-8 of EXACT's ``AnnotationType``. Nothing here imports Django.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, cast

Number = int | float
Point = tuple[float, float]

#: EXACT's default annotation size (``AnnotationType.default_width``) gives points this radius.
DEFAULT_POINT_RADIUS = 25


class VectorType(IntEnum):
    """EXACT's ``AnnotationType.vector_type`` numbers."""

    BOUNDING_BOX = 1
    POINT = 2
    LINE = 3
    MULTI_LINE = 4
    POLYGON = 5
    FIXED_SIZE_BOUNDING_BOX = 6
    GLOBAL = 7
    SEGMENTATION = 8


class ParseError(ValueError):
    """Input that cannot be read; ``location`` names the line, feature, row or record."""

    def __init__(self, problem: str, *, location: str) -> None:
        super().__init__(f"{location}: {problem}")
        self.problem = problem
        self.location = location


def clean_number(value: float) -> Number:
    """An integral float as ``int`` (EXACT stores integers), any other number unchanged."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a coordinate")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def to_number(value: Any, *, location: str, what: str = "coordinate") -> Number:
    """``value`` as a finite number, or a :class:`ParseError` naming ``location``."""
    if isinstance(value, bool) or value is None:
        raise ParseError(f"{what} {value!r} is not a number", location=location)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParseError(f"{what} {value!r} is not a number", location=location) from None
    if not math.isfinite(number):
        raise ParseError(f"{what} {value!r} is not finite", location=location)
    return clean_number(number)


@dataclass
class Shape:
    """One geometry. ``vector`` is EXACT's dict, or ``None`` for "not in image".

    ``vector_type`` is ``None`` when the file does not say (EXACT's text format): the annotation
    type decides then. ``hint`` keeps the source format's own kind of shape where EXACT's types
    lose it (``"circle"``, ``"special_spot"``, ``"spline"``, ``"pointset"``, ...), so that a writer
    of the same format can restore it. ``holes`` are interior rings (GeoJSON, WKT), which EXACT
    cannot draw; the database layer may keep them in ``meta_data``.
    """

    vector_type: int | None
    vector: dict[str, Number] | None
    hint: str | None = None
    holes: list[list[Point]] = field(default_factory=list)

    @classmethod
    def box(cls, x1: float, y1: float, x2: float, y2: float, *, frame: int | None = None) -> Shape:
        """An axis-aligned box from two corners, in any order."""
        xs, ys = sorted((x1, x2)), sorted((y1, y2))
        return cls(VectorType.BOUNDING_BOX, _vector([(xs[0], ys[0]), (xs[1], ys[1])], frame))

    @classmethod
    def point(
        cls, cx: float, cy: float, radius: float = DEFAULT_POINT_RADIUS, *, frame: int | None = None
    ) -> Shape:
        """A point, stored as EXACT does: the bounding box of a circle around it."""
        corners = [(cx - radius, cy - radius), (cx + radius, cy + radius)]
        return cls(VectorType.POINT, _vector(corners, frame))

    @classmethod
    def from_points(
        cls, vector_type: int, points: Sequence[Point], *, frame: int | None = None
    ) -> Shape:
        """A line, multi-line or polygon through ``points`` (a polygon is not closed again)."""
        return cls(vector_type, _vector(points, frame))

    @classmethod
    def global_(cls, frame: int | None = None) -> Shape:
        """An image-level label, with no coordinates."""
        return cls(VectorType.GLOBAL, {} if frame is None else {"frame": frame})

    @property
    def not_in_image(self) -> bool:
        """EXACT's "not in image": no vector at all."""
        return self.vector is None

    @property
    def frame(self) -> int | None:
        """The 1-based frame, or ``None`` when the vector does not name one (frame 1)."""
        if not self.vector or "frame" not in self.vector:
            return None
        return int(self.vector["frame"])

    def points(self) -> list[Point]:
        """The nodes ``(x1, y1), (x2, y2), ...`` in order."""
        if not self.vector:
            return []
        result = []
        index = 1
        while f"x{index}" in self.vector and f"y{index}" in self.vector:
            result.append((float(self.vector[f"x{index}"]), float(self.vector[f"y{index}"])))
            index += 1
        return result

    @property
    def kind(self) -> int | None:
        """``vector_type``, or the type the vector implies when the file did not say."""
        if self.vector_type is not None:
            return self.vector_type
        count = len(self.points())
        if self.vector is None:
            return None
        if count == 0:
            return VectorType.GLOBAL
        if count <= 2:
            return VectorType.BOUNDING_BOX
        return VectorType.POLYGON

    def bbox(self) -> tuple[float, float, float, float] | None:
        """``(x_min, y_min, x_max, y_max)``, or ``None`` without coordinates."""
        pts = self.points()
        if not pts:
            return None
        xs = [p[0] for p in pts]
        ys = [p[1] for p in pts]
        return min(xs), min(ys), max(xs), max(ys)

    def centre(self) -> Point | None:
        """The centre of the bounding box (for a point: the point itself)."""
        box = self.bbox()
        if box is None:
            return None
        return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2

    def radius(self) -> float:
        """Half the mean side of the bounding box (a point's radius)."""
        box = self.bbox()
        if box is None:
            return 0.0
        return ((box[2] - box[0]) + (box[3] - box[1])) / 4

    def corners(self) -> list[Point]:
        """A box's four corners, clockwise from top-left (image coordinates, y down)."""
        box = self.bbox()
        if box is None:
            return []
        x0, y0, x1, y1 = box
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


_NODE_KEYS = [(f"x{index}", f"y{index}") for index in range(1, 257)]


def _vector(points: Iterable[Point], frame: int | None) -> dict[str, Number]:
    vector: dict[str, Number] = {}
    keys = _NODE_KEYS
    # clean_number inlined and ints kept as they are: this runs for every node of every
    # record of an import
    for index, (x, y) in enumerate(points):
        if index == len(keys):
            keys.append((f"x{index + 1}", f"y{index + 1}"))
        x_key, y_key = keys[index]
        if type(x) is not int:
            x = round(float(x), 6)
            if x.is_integer():
                x = int(x)
        if type(y) is not int:
            y = round(float(y), 6)
            if y.is_integer():
                y = int(y)
        vector[x_key] = x
        vector[y_key] = y
    if frame is not None:
        vector["frame"] = int(frame)
    return vector


def is_axis_aligned_rectangle(points: Sequence[Point]) -> bool:
    """True for 4 corners (optionally closed) of an axis-aligned box of non-zero size."""
    pts = list(points)
    if len(pts) == 5 and pts[0] == pts[-1]:
        pts = pts[:-1]
    if len(pts) != 4:
        return False
    xs = {p[0] for p in pts}
    ys = {p[1] for p in pts}
    if len(xs) != 2 or len(ys) != 2:
        return False
    # consecutive corners share x or y: a rectangle, not a bow tie
    return all(
        (a[0] == b[0]) != (a[1] == b[1]) for a, b in zip(pts, pts[1:] + pts[:1], strict=True)
    )


@dataclass
class Vote:
    """One person's opinion of a record: the class they gave it, and/or a verification."""

    person: str
    class_name: str | None = None
    verified: bool | None = None


@dataclass
class Record:
    """One annotation, with everything EXACT keeps about it."""

    image_name: str
    class_name: str
    shape: Shape
    unique_identifier: str | None = None
    deleted: bool = False
    concealed: bool = False
    blurred: bool = False
    description: str = ""
    meta_data: dict[str, Any] = field(default_factory=dict)
    score: float | None = None
    votes: list[Vote] = field(default_factory=list)
    colour: str | None = None
    user: str | None = None
    last_editor: str | None = None
    time: str | None = None
    last_edit_time: str | None = None


@dataclass
class ClassInfo:
    """A class (EXACT: annotation type) as the file describes it."""

    name: str
    colour: str | None = None
    vector_type: int | None = None


@dataclass
class Document:
    """What a parser returns and a writer takes.

    ``records`` may be a one-shot iterator that reads the file as it goes; call
    :meth:`materialize` to keep a list. ``images`` maps an image name to ``(width, height)``
    when the file says; ``image_meta`` keeps other per-image fields; ``meta`` file-level ones.
    Parsers that stream fill ``classes`` before the first record is yielded.
    """

    records: Iterable[Record]
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    images: dict[str, tuple[int, int]] = field(default_factory=dict)
    image_meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def materialize(self) -> Document:
        """Read every record now and keep them in a list (the document is then reusable)."""
        if not isinstance(self.records, list):
            self.records = list(self.records)
        return self

    @property
    def record_list(self) -> list[Record]:
        """Every record, read now if not yet (see :meth:`materialize`)."""
        self.materialize()
        return cast(list[Record], self.records)

    def class_info(self, name: str) -> ClassInfo:
        """The class called ``name``, added with no colour when the file did not list it."""
        info = self.classes.get(name)
        if info is None:
            info = self.classes[name] = ClassInfo(name)
        return info


def colour_hex(red: int, green: int, blue: int) -> str:
    """``#rrggbb`` from 0-255 components."""
    return f"#{red & 255:02x}{green & 255:02x}{blue & 255:02x}"


def colour_rgb(colour: str | None) -> tuple[int, int, int] | None:
    """``(r, g, b)`` from ``#rrggbb`` (or ``#rgb``); ``None`` when missing or malformed."""
    if not colour or not colour.startswith("#"):
        return None
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    if len(digits) != 6:
        return None
    try:
        value = int(digits, 16)
    except ValueError:
        return None
    return (value >> 16) & 255, (value >> 8) & 255, value & 255
