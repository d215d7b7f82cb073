"""Writing COCO (and MIDOG++) JSON as a stream: annotations first, then images and categories,
so neither the records nor the output is held in memory."""

from __future__ import annotations

import json
from typing import Any, Literal, TextIO

from lamella.interop.model import Document, Record, VectorType


class _Ids:
    """Sequential ids by first use, keeping the order of the document's own lists first."""

    def __init__(self, names: list[str]) -> None:
        self.ids: dict[str, int] = {name: index for index, name in enumerate(names, start=1)}

    def get(self, name: str) -> int:
        if name not in self.ids:
            self.ids[name] = len(self.ids) + 1
        return self.ids[name]


def polygon_area(points: list[tuple[float, float]]) -> float:
    """The shoelace area of a closed polygon."""
    total = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        total += x0 * y1 - x1 * y0
    return abs(total) / 2


def annotation(
    record: Record,
    number: int,
    image_id: int,
    category_id: int,
    *,
    bbox_style: Literal["xywh", "xyxy"],
    attributes: bool,
    label_ids: list[int],
) -> dict[str, Any] | None:
    """One COCO annotation object, or ``None`` for a record without coordinates."""
    shape = record.shape
    kind = shape.kind
    box = shape.bbox()
    if shape.not_in_image or (box is None and kind != VectorType.GLOBAL):
        return None
    item: dict[str, Any] = {"id": number, "image_id": image_id, "category_id": category_id}
    if box is None:
        item["bbox"] = []
    else:
        x0, y0, x1, y1 = box
        item["bbox"] = [x0, y0, x1, y1] if bbox_style == "xyxy" else [x0, y0, x1 - x0, y1 - y0]
    if bbox_style == "xywh":
        segmentation: list[list[float]] = []
        area = (box[2] - box[0]) * (box[3] - box[1]) if box else 0.0
        if kind in (VectorType.LINE, VectorType.MULTI_LINE, VectorType.POLYGON):
            points = shape.points()
            segmentation = [[value for point in points for value in point]]
            area = polygon_area(points) if kind == VectorType.POLYGON else 0.0
        item.update({"segmentation": segmentation, "area": area, "iscrowd": 0})
    if label_ids:
        item["labels"] = label_ids
    if record.score is not None:
        item["score"] = record.score
    if attributes:
        extra: dict[str, Any] = {"vector_type": int(kind) if kind is not None else None}
        for key in ("unique_identifier", "deleted", "concealed", "blurred", "description"):
            value = getattr(record, key)
            if value:
                extra[key] = value
        if shape.frame is not None:
            extra["frame"] = shape.frame
        item["attributes"] = extra
    return item


def write_coco(
    document: Document,
    out: TextIO,
    *,
    bbox_style: Literal["xywh", "xyxy"],
    attributes: bool,
    skip_deleted: bool = False,
) -> int:
    """Stream ``document`` as COCO JSON into ``out``; returns the annotation count."""
    images = _Ids(list(document.images))
    categories = _Ids(list(document.classes))
    out.write('{"annotations": [\n')
    count = 0
    for record in document:
        if skip_deleted and record.deleted:
            continue
        labels = [categories.get(v.class_name) for v in record.votes if v.class_name]
        item = annotation(
            record,
            count + 1,
            images.get(record.image_name),
            categories.get(record.class_name),
            bbox_style=bbox_style,
            attributes=attributes,
            label_ids=labels,
        )
        if item is None:
            continue
        out.write(("," if count else "") + json.dumps(item) + "\n")
        count += 1
    out.write('],\n"images": ')
    image_items = []
    for name, number in images.ids.items():
        width, height = document.images.get(name, (0, 0))
        meta = document.image_meta.get(name, {})
        image_items.append(
            {**meta, "id": number, "file_name": name, "width": width, "height": height}
        )
    json.dump(image_items, out)
    out.write(',\n"categories": ')
    category_items = []
    for name, number in categories.ids.items():
        category: dict[str, Any] = {"id": number, "name": name}
        info = document.classes.get(name)
        if info and info.colour and attributes:
            category["color"] = info.colour
        category_items.append(category)
    json.dump(category_items, out)
    for key, value in document.meta.items():
        out.write(f",\n{json.dumps(key)}: {json.dumps(value)}")
    out.write("}\n")
    return count
