"""ASAP XML (CAMELYON's annotation format), one file per image (``peers.md`` section 2.6).

``Type`` maps to EXACT as: Dot -> point, Rectangle -> box, Polygon -> polygon, Spline -> polygon
(hint ``spline``), PointSet -> multi-line (hint ``pointset``), Measurement -> line. Groups are
classes; an annotation outside any group has the class ``None``, as ASAP writes it. Reading
streams with ``iterparse``: one pass for the groups (at the end of the file), one for the
annotations, each element cleared once read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any, TextIO
from xml.sax.saxutils import quoteattr

from lamella.interop._files import Source, open_binary, rewind, rewindable, stem, write_text
from lamella.interop.model import (
    DEFAULT_POINT_RADIUS,
    ClassInfo,
    Document,
    ParseError,
    Record,
    Shape,
    VectorType,
    is_axis_aligned_rectangle,
    to_number,
)

NAME = "asap"
NO_GROUP = "None"
_DEFAULT_NAME = re.compile(r"^Annotation \d+$")
_MIN_POINTS = {"Dot": 1, "Measurement": 2, "Rectangle": 4, "Polygon": 3, "Spline": 3, "PointSet": 1}


def parse(
    source: Source, *, image_name: str | None = None, point_radius: float = DEFAULT_POINT_RADIUS
) -> Document:
    """Read an ASAP XML file; every record is on ``image_name`` (default: the file's stem)."""
    source = rewindable(source)
    name = image_name or stem(source) or ""
    document = Document(records=[])
    for element in _elements(source, "Group"):
        group = element.get("Name") or NO_GROUP
        document.classes[group] = ClassInfo(group, element.get("Color") or None)
    rewind(source)
    document.records = _records(source, document, name, point_radius)
    return document


def _elements(source: Source, tag: str) -> Iterator[ET.Element]:
    """Each ``tag`` element once complete, with its position for error messages."""
    with open_binary(source) as handle:
        events = ET.iterparse(handle, events=("start", "end"))
        try:
            _, root = next(events)
            if root.tag != "ASAP_Annotations":
                raise ParseError(
                    f"the root element is <{root.tag}>, not <ASAP_Annotations>",
                    location="line 1",
                )
            stack = [root]
            for event, element in events:
                if event == "start":
                    stack.append(element)
                    continue
                stack.pop()
                if element.tag == tag:
                    yield element
                    # drop the element from its parent too, so memory stays flat
                    stack[-1].remove(element)
        except ET.ParseError as error:
            line, column = error.position
            raise ParseError(
                f"malformed XML ({error})", location=f"line {line}, column {column}"
            ) from None
        except StopIteration:
            raise ParseError("the file is empty", location="line 1") from None


def _records(
    source: Source, document: Document, image_name: str, radius: float
) -> Iterator[Record]:
    for index, element in enumerate(_elements(source, "Annotation")):
        name = element.get("Name") or ""
        location = f"annotation {index} ({name or 'unnamed'})"
        group = element.get("PartOfGroup") or NO_GROUP
        document.class_info(group)
        shape = _shape(element.get("Type") or "", _coordinates(element, location), radius, location)
        yield Record(
            image_name=image_name,
            class_name=group,
            shape=shape,
            description="" if _DEFAULT_NAME.match(name) else name,
            colour=element.get("Color") or None,
        )


def _coordinates(element: ET.Element, location: str) -> list[tuple[float, float]]:
    ordered = []
    for position, node in enumerate(element.iter("Coordinate")):
        where = f"{location}, coordinate {position}"
        order = to_number(node.get("Order", position), location=where, what="Order")
        x = to_number(node.get("X"), location=where, what="X")
        y = to_number(node.get("Y"), location=where, what="Y")
        ordered.append((order, position, float(x), float(y)))
    ordered.sort()
    return [(x, y) for _, _, x, y in ordered]


def _shape(kind: str, points: list[tuple[float, float]], radius: float, location: str) -> Shape:
    if kind not in _MIN_POINTS:
        raise ParseError(f"unknown annotation Type {kind!r}", location=location)
    if len(points) < _MIN_POINTS[kind]:
        raise ParseError(f"a {kind} needs {_MIN_POINTS[kind]} coordinates", location=location)
    if kind == "Dot":
        return Shape.point(*points[0], radius)
    if kind == "Measurement":
        return Shape.from_points(VectorType.LINE, points[:2])
    if kind == "Rectangle" and is_axis_aligned_rectangle(points):
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return Shape.box(min(xs), min(ys), max(xs), max(ys))
    if kind == "PointSet":
        shape = Shape.from_points(VectorType.MULTI_LINE, points)
        shape.hint = "pointset"
        return shape
    shape = Shape.from_points(VectorType.POLYGON, points)
    shape.hint = {"Spline": "spline", "Rectangle": "rectangle"}.get(kind)
    return shape


def write(document: Document, target: Source, *, image_name: str | None = None) -> int:
    """Write every record that has coordinates (only ``image_name``'s when given: ASAP files
    hold one image); returns the count written."""
    with write_text(target) as out:
        return _write(document, out, image_name)


def _write(document: Document, out: TextIO, image_name: str | None) -> int:
    out.write('<?xml version="1.0"?>\n<ASAP_Annotations>\n\t<Annotations>\n')
    colours: dict[str, str | None] = {n: c.colour for n, c in document.classes.items()}
    count = 0
    for record in document:
        if image_name is not None and record.image_name != image_name:
            continue
        kind, points = _asap_type(record.shape)
        if kind is None:
            continue
        colours.setdefault(record.class_name, None)
        attributes: dict[str, Any] = {
            "Name": record.description or f"Annotation {count}",
            "Type": kind,
            "PartOfGroup": record.class_name,
            "Color": record.colour or colours.get(record.class_name) or "#F4FA58",
        }
        out.write(f"\t\t<Annotation {_attributes(attributes)}>\n\t\t\t<Coordinates>\n")
        for order, (x, y) in enumerate(points):
            out.write(f'\t\t\t\t<Coordinate Order="{order}" X="{x!r}" Y="{y!r}" />\n')
        out.write("\t\t\t</Coordinates>\n\t\t</Annotation>\n")
        count += 1
    out.write("\t</Annotations>\n\t<AnnotationGroups>\n")
    for name, colour in colours.items():
        if name == NO_GROUP:
            continue
        group = {"Name": name, "PartOfGroup": NO_GROUP, "Color": colour or "#64FE2E"}
        out.write(f"\t\t<Group {_attributes(group)}>\n\t\t\t<Attributes />\n\t\t</Group>\n")
    out.write("\t</AnnotationGroups>\n</ASAP_Annotations>\n")
    return count


def _attributes(values: dict[str, Any]) -> str:
    return " ".join(f"{key}={quoteattr(str(value))}" for key, value in values.items())


def _asap_type(shape: Shape) -> tuple[str | None, list[tuple[float, float]]]:
    kind = shape.kind
    if shape.not_in_image or kind in (None, VectorType.GLOBAL, VectorType.SEGMENTATION):
        return None, []
    if kind == VectorType.POINT:
        return "Dot", [shape.centre() or (0.0, 0.0)]
    if kind in (VectorType.BOUNDING_BOX, VectorType.FIXED_SIZE_BOUNDING_BOX):
        return "Rectangle", shape.corners()
    if kind == VectorType.LINE:
        return "Measurement", shape.points()[:2]
    if kind == VectorType.MULTI_LINE:
        return "PointSet", shape.points()
    names = {"spline": "Spline", "rectangle": "Rectangle"}
    return names.get(shape.hint or "", "Polygon"), shape.points()
