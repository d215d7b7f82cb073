"""A generated document with every shape type, and comparison within a pixel."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from lamella.interop.model import ClassInfo, Document, Record, Shape, VectorType, Vote

IMAGES = {"slide-a.svs": (10000, 8000), "slide-b.svs": (4000, 3000)}
CLASSES = {
    "Tumour": ClassInfo("Tumour", "#ff0000", VectorType.POLYGON),
    "Cell": ClassInfo("Cell", "#00ff00", VectorType.POINT),
    "Region": ClassInfo("Region", "#0000ff", VectorType.BOUNDING_BOX),
    "Edge": ClassInfo("Edge", "#888888", VectorType.LINE),
    "Path": ClassInfo("Path", "#123456", VectorType.MULTI_LINE),
    "Whole": ClassInfo("Whole", "#abcdef", VectorType.GLOBAL),
}


def _uuid(n: int) -> str:
    return str(uuid.UUID(int=n + 1, version=4))


def every_shape(image: str = "slide-a.svs", offset: int = 0) -> list[Record]:
    """One record of each EXACT shape on ``image`` (plus a global label and "not in image")."""
    shapes = [
        ("Region", Shape.box(10, 20, 110, 220)),
        ("Cell", Shape.point(500, 600, 25)),
        ("Edge", Shape.from_points(VectorType.LINE, [(0, 0), (100, 50)])),
        ("Path", Shape.from_points(VectorType.MULTI_LINE, [(1, 1), (50, 80), (90, 10), (130, 95)])),
        (
            "Tumour",
            Shape.from_points(
                VectorType.POLYGON, [(1000, 1000), (1500, 1100), (1600, 1700), (1100, 1500.5)]
            ),
        ),
        ("Whole", Shape.global_(2)),
        ("Cell", Shape(VectorType.POINT, None)),
    ]
    records = []
    for index, (class_name, shape) in enumerate(shapes):
        records.append(
            Record(
                image_name=image,
                class_name=class_name,
                shape=shape,
                unique_identifier=_uuid(offset + index),
                description=f"note {index}" if index % 2 else "",
                votes=[Vote("alice", class_name)],
            )
        )
    return records


def generated_document(images: Iterable[str] = IMAGES) -> Document:
    """Every shape on every image of ``images``."""
    records: list[Record] = []
    for number, image in enumerate(images):
        records += every_shape(image, offset=number * 100)
    return Document(
        records=records,
        classes={k: ClassInfo(v.name, v.colour, v.vector_type) for k, v in CLASSES.items()},
        images={name: IMAGES[name] for name in images},
    )


def kind(record: Record) -> int | None:
    return None if record.shape.not_in_image else record.shape.kind


def geometry(record: Record) -> list[tuple[float, float]]:
    """Points compare by centre (most formats keep no radius); others node by node."""
    shape = record.shape
    if shape.kind == VectorType.POINT:
        centre = shape.centre()
        return [centre] if centre else []
    return shape.points()


def _sort_key(record: Record) -> tuple[object, ...]:
    box = record.shape.bbox() or (0, 0, 0, 0)
    return (record.image_name, record.class_name, kind(record) or 0, *(round(v) for v in box))


def assert_same(
    first: Iterable[Record], second: Iterable[Record], *, uuid: bool = True, frames: bool = True
) -> None:
    """Same image, class, shape kind, geometry within 1 px (and uuid, frame) record by record."""
    a = sorted(first, key=_sort_key)
    b = sorted(second, key=_sort_key)
    assert len(a) == len(b), f"{len(a)} records became {len(b)}"
    for left, right in zip(a, b, strict=True):
        assert (left.image_name, left.class_name) == (right.image_name, right.class_name)
        assert kind(left) == kind(right), (left, right)
        g1, g2 = geometry(left), geometry(right)
        assert len(g1) == len(g2), (left, right)
        for (x1, y1), (x2, y2) in zip(g1, g2, strict=True):
            assert abs(x1 - x2) <= 1 and abs(y1 - y2) <= 1, (left, right)
        if uuid:
            assert left.unique_identifier == right.unique_identifier
        if frames:
            assert left.shape.frame == right.shape.frame
