"""COCO JSON: ``images`` (file_name, width, height), ``categories``, ``annotations`` with
``bbox`` ``[x, y, w, h]`` and ``segmentation`` polygons (flat ``[x1, y1, x2, y2, ...]``).

What COCO cannot say travels in each annotation's ``attributes`` object (as CVAT does):
``vector_type``, ``unique_identifier``, ``deleted``, ``concealed``, ``blurred``, ``description``,
``frame``. Without ``vector_type`` an annotation is a polygon per segmentation polygon, or a box.
Per-expert ``labels`` (category ids, as in MIDOG++) become votes. RLE masks are not read: such an
annotation falls back to its bbox. :mod:`lamella.interop.midog` is the ``[x1, y1, x2, y2]``
variant of this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal, TextIO

from lamella.interop._files import Source, write_text
from lamella.interop.coco_write import write_coco
from lamella.interop.geojson import load_json
from lamella.interop.model import (
    ClassInfo,
    Document,
    ParseError,
    Record,
    Shape,
    VectorType,
    Vote,
    is_axis_aligned_rectangle,
    to_number,
)

NAME = "coco"
BboxStyle = Literal["xywh", "xyxy"]


def parse(source: Source, *, detect_boxes: bool = True) -> Document:
    """Read a COCO file."""
    return parse_coco(source, bbox_style="xywh", detect_boxes=detect_boxes)


def write(document: Document, target: Source) -> int:
    """Write a COCO file; returns the annotation count written."""
    with write_text(target) as out:
        return _write(document, out)


def _write(document: Document, out: TextIO) -> int:
    return write_coco(document, out, bbox_style="xywh", attributes=True)


def parse_coco(source: Source, *, bbox_style: BboxStyle, detect_boxes: bool = True) -> Document:
    """Read COCO or its MIDOG++ variant (``bbox_style="xyxy"``)."""
    data = load_json(source)
    if not isinstance(data, dict) or not isinstance(data.get("annotations"), list):
        raise ParseError("expected an object with an 'annotations' list", location="top level")
    document = Document(records=[])
    document.meta = {
        k: v for k, v in data.items() if k not in ("images", "categories", "annotations")
    }
    categories = _categories(data.get("categories") or [], document)
    images = _images(data.get("images") or [], document)
    document.records = _records(data["annotations"], images, categories, bbox_style, detect_boxes)
    return document


def _categories(items: Any, document: Document) -> dict[Any, str]:
    categories = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict) or "id" not in item or not isinstance(item.get("name"), str):
            raise ParseError("a category needs 'id' and 'name'", location=f"categories[{index}]")
        categories[item["id"]] = item["name"]
        colour = item.get("color") if isinstance(item.get("color"), str) else None
        document.classes[item["name"]] = ClassInfo(item["name"], colour)
    return categories


def _images(items: Any, document: Document) -> dict[Any, str]:
    images = {}
    for index, item in enumerate(items):
        location = f"images[{index}]"
        if (
            not isinstance(item, dict)
            or "id" not in item
            or not isinstance(item.get("file_name"), str)
        ):
            raise ParseError("an image needs 'id' and 'file_name'", location=location)
        name = item["file_name"]
        images[item["id"]] = name
        if item.get("width") and item.get("height"):
            width = to_number(item["width"], location=location, what="width")
            height = to_number(item["height"], location=location, what="height")
            document.images[name] = (int(width), int(height))
        extra = {k: v for k, v in item.items() if k not in ("id", "file_name", "width", "height")}
        if extra:
            document.image_meta[name] = extra
    return images


def _records(
    items: list[Any],
    images: dict[Any, str],
    categories: dict[Any, str],
    bbox_style: BboxStyle,
    detect_boxes: bool,
) -> Iterator[Record]:
    for index, item in enumerate(items):
        location = f"annotations[{index}]"
        if not isinstance(item, dict):
            raise ParseError("an annotation must be an object", location=location)
        if "id" in item:
            location += f" (id={item['id']})"
        if item.get("image_id") not in images:
            raise ParseError(
                f"image_id {item.get('image_id')!r} is not in images", location=location
            )
        if item.get("category_id") not in categories:
            raise ParseError(
                f"category_id {item.get('category_id')!r} is not in categories", location=location
            )
        attributes: dict[str, Any] = item.get("attributes") or {}
        if not isinstance(attributes, dict):
            raise ParseError("'attributes' must be an object", location=location)
        score = item.get("score")
        votes = [
            Vote(person=f"expert {n}", class_name=categories.get(label, str(label)))
            for n, label in enumerate(item.get("labels") or [], start=1)
        ]
        for shape in _shapes(item, attributes, bbox_style, detect_boxes, location):
            yield Record(
                image_name=images[item["image_id"]],
                class_name=categories[item["category_id"]],
                shape=shape,
                unique_identifier=_optional_str(attributes.get("unique_identifier")),
                deleted=bool(attributes.get("deleted", False)),
                concealed=bool(attributes.get("concealed", False)),
                blurred=bool(attributes.get("blurred", False)),
                description=str(attributes.get("description") or ""),
                score=float(to_number(score, location=location, what="score"))
                if score is not None
                else None,
                votes=votes,
            )


def _optional_str(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _bbox(item: dict[str, Any], style: BboxStyle, location: str) -> tuple[float, ...] | None:
    bbox = item.get("bbox")
    if bbox in (None, []):
        return None
    if not isinstance(bbox, list) or len(bbox) != 4:
        raise ParseError(f"bbox must be 4 numbers, not {bbox!r}", location=location)
    a, b, c, d = (float(to_number(v, location=location, what="bbox value")) for v in bbox)
    return (a, b, c, d) if style == "xyxy" else (a, b, a + c, b + d)


def _polygons(item: dict[str, Any], location: str) -> list[list[tuple[float, float]]]:
    segmentation = item.get("segmentation")
    if not isinstance(segmentation, list):
        return []  # absent, or an RLE mask: the bbox stands in
    polygons = []
    for flat in segmentation:
        if not isinstance(flat, list) or len(flat) % 2:
            raise ParseError(
                "a segmentation polygon is a flat list of x, y pairs", location=location
            )
        values = [float(to_number(v, location=location, what="segmentation value")) for v in flat]
        polygons.append(list(zip(values[0::2], values[1::2], strict=True)))
    return polygons


def _shapes(
    item: dict[str, Any],
    attributes: dict[str, Any],
    style: BboxStyle,
    detect_boxes: bool,
    location: str,
) -> list[Shape]:
    frame = attributes.get("frame") if isinstance(attributes.get("frame"), int) else None
    kind = attributes.get("vector_type")
    box = _bbox(item, style, location)
    polygons = _polygons(item, location)
    if kind == VectorType.GLOBAL:
        return [Shape.global_(frame)]
    if kind in (VectorType.LINE, VectorType.MULTI_LINE, VectorType.POLYGON) and polygons:
        return [Shape.from_points(kind, polygons[0], frame=frame)]
    if kind is None and polygons:
        shapes = []
        for points in polygons:
            if len(points) < 3:
                raise ParseError("a segmentation polygon needs 3 points", location=location)
            if detect_boxes and is_axis_aligned_rectangle(points):
                xs, ys = [p[0] for p in points], [p[1] for p in points]
                shapes.append(Shape.box(min(xs), min(ys), max(xs), max(ys), frame=frame))
            else:
                shapes.append(Shape.from_points(VectorType.POLYGON, points, frame=frame))
        return shapes
    if box is None:
        raise ParseError("the annotation has neither bbox nor segmentation", location=location)
    shape = Shape.box(*box, frame=frame)
    if kind in (VectorType.POINT, VectorType.FIXED_SIZE_BOUNDING_BOX):
        shape.vector_type = int(kind)
    return [shape]
