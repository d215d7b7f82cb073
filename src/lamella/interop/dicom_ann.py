"""DICOM Microscopy Bulk Simple Annotations (modality ANN), read and written with pydicom.

Each Annotation Group is one class (its label) and one graphic type: POINT -> point,
POLYLINE -> line/multi-line, POLYGON -> polygon, RECTANGLE -> box (or a polygon with hint
``rectangle`` when rotated), ELLIPSE -> a point shape over the ellipse's bounding box (hint
``ellipse``). Only ``2D`` coordinates (pixels of the total pixel matrix) are read; ``3D``
(slide millimetres) needs the image's geometry and is refused. Group measurements go to each
record's ``meta_data["measurements"]``. The file refers to one image: its name is
``image_name``, else the Container Identifier, else the referenced SOP Instance UID.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.uid import MicroscopyBulkSimpleAnnotationsStorage

from lamella.interop import dicom_ann_write
from lamella.interop._files import Source, open_binary
from lamella.interop.model import (
    DEFAULT_POINT_RADIUS,
    ClassInfo,
    Document,
    ParseError,
    Record,
    Shape,
    VectorType,
    is_axis_aligned_rectangle,
)

NAME = "dicom"
write = dicom_ann_write.write


def parse(
    source: Source, *, image_name: str | None = None, point_radius: float = DEFAULT_POINT_RADIUS
) -> Document:
    """Read an ANN object; coordinates are level-0 pixels of the referenced image."""
    with open_binary(source) as handle:
        try:
            dataset = dcmread(handle)
        except (InvalidDicomError, EOFError, ValueError, OSError) as error:
            raise ParseError(f"not a readable DICOM file ({error})", location="file") from None
    if dataset.get("SOPClassUID") != MicroscopyBulkSimpleAnnotationsStorage:
        raise ParseError(
            f"SOP class {dataset.get('SOPClassUID')} is not Microscopy Bulk Simple Annotations",
            location="file",
        )
    if dataset.get("AnnotationCoordinateType", "2D") != "2D":
        raise ParseError("3D (slide coordinate) annotations are not supported", location="file")
    referenced = ""
    for item in dataset.get("ReferencedImageSequence", []):
        referenced = str(item.get("ReferencedSOPInstanceUID", ""))
    name = image_name or str(dataset.get("ContainerIdentifier", "")) or referenced
    document = Document(records=[])
    document.meta = {
        "referenced_sop_instance_uid": referenced,
        "container_identifier": str(dataset.get("ContainerIdentifier", "")),
        "content_description": str(dataset.get("ContentDescription", "")),
    }
    groups = list(dataset.get("AnnotationGroupSequence", []))
    for group in groups:
        label = str(group.get("AnnotationGroupLabel", ""))
        document.classes.setdefault(label, ClassInfo(label))
    document.records = _records(groups, name, point_radius)
    return document


def _records(groups: list[Dataset], image_name: str, radius: float) -> Iterator[Record]:
    for number, group in enumerate(groups, start=1):
        location = f"annotation group {number}"
        label = str(group.get("AnnotationGroupLabel", ""))
        measurements = _measurements(group, location)
        for index, shape in enumerate(_shapes(group, radius, location)):
            meta: dict[str, Any] = {}
            values = {k: v[index] for k, v in measurements.items() if index in v}
            if values:
                meta["measurements"] = values
            yield Record(image_name=image_name, class_name=label, shape=shape, meta_data=meta)


def _coordinates(group: Dataset, location: str) -> np.ndarray:
    if "DoublePointCoordinatesData" in group:
        data = np.frombuffer(group.DoublePointCoordinatesData, dtype="<f8")
    elif "PointCoordinatesData" in group:
        data = np.frombuffer(group.PointCoordinatesData, dtype="<f4")
    else:
        raise ParseError("the group has no point coordinates", location=location)
    if data.size % 2 or not np.all(np.isfinite(data)):
        raise ParseError("point coordinates must be finite x, y pairs", location=location)
    return data.astype(float)


def _parts(group: Dataset, data: np.ndarray, count: int, location: str) -> list[np.ndarray]:
    kind = group.get("GraphicType", "")
    if kind in ("POINT", "RECTANGLE", "ELLIPSE"):
        size = 2 if kind == "POINT" else 8
        if data.size != size * count:
            raise ParseError(
                f"{count} {kind}s need {size * count} values, not {data.size}", location=location
            )
        return list(data.reshape(count, size))
    if kind not in ("POLYLINE", "POLYGON"):
        raise ParseError(f"unsupported graphic type {kind!r}", location=location)
    if "LongPrimitivePointIndexList" not in group:
        raise ParseError("a POLYLINE/POLYGON group needs a point index list", location=location)
    # 1-based indices of each annotation's first coordinate value
    starts = np.frombuffer(group.LongPrimitivePointIndexList, dtype="<i4").astype(int) - 1
    if starts.size != count or np.any(np.diff(starts) <= 0) or (count and starts[-1] >= data.size):
        raise ParseError("the point index list does not match the coordinates", location=location)
    return np.split(data, starts[1:])


def _shapes(group: Dataset, radius: float, location: str) -> list[Shape]:
    count = int(group.get("NumberOfAnnotations", 0))
    kind = group.get("GraphicType", "")
    shapes = []
    for part in _parts(group, _coordinates(group, location), count, location):
        points = [(float(x), float(y)) for x, y in part.reshape(-1, 2)]
        if kind == "POINT":
            shapes.append(Shape.point(*points[0], radius))
        elif kind == "RECTANGLE" and is_axis_aligned_rectangle(points):
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            shapes.append(Shape.box(min(xs), min(ys), max(xs), max(ys)))
        elif kind == "ELLIPSE":
            shapes.append(_ellipse(points))
        elif kind == "POLYLINE":
            line = VectorType.LINE if len(points) == 2 else VectorType.MULTI_LINE
            shapes.append(Shape.from_points(line, points))
        else:
            if len(points) < 3:
                raise ParseError("a polygon needs 3 points", location=location)
            shape = Shape.from_points(VectorType.POLYGON, points)
            shape.hint = "rectangle" if kind == "RECTANGLE" else None
            shapes.append(shape)
    return shapes


def _ellipse(points: list[tuple[float, float]]) -> Shape:
    (ax0, ay0), (ax1, ay1), (bx0, by0), (bx1, by1) = points
    centre = ((ax0 + ax1) / 2, (ay0 + ay1) / 2)
    # half extents of an ellipse with axes a and b: sqrt(a_x^2 + b_x^2), sqrt(a_y^2 + b_y^2)
    a = ((ax1 - ax0) / 2, (ay1 - ay0) / 2)
    b = ((bx1 - bx0) / 2, (by1 - by0) / 2)
    half_w = float(np.hypot(a[0], b[0]))
    half_h = float(np.hypot(a[1], b[1]))
    box = Shape.box(centre[0] - half_w, centre[1] - half_h, centre[0] + half_w, centre[1] + half_h)
    return Shape(VectorType.POINT, box.vector, hint="ellipse")


def _measurements(group: Dataset, location: str) -> dict[str, dict[int, float]]:
    result: dict[str, dict[int, float]] = {}
    count = int(group.get("NumberOfAnnotations", 0))
    for item in group.get("MeasurementsSequence", []):
        names = item.get("ConceptNameCodeSequence", [])
        name = str(names[0].get("CodeMeaning", "measurement")) if names else "measurement"
        for values_item in item.get("MeasurementValuesSequence", []):
            values = np.frombuffer(values_item.get("FloatingPointValues", b""), dtype="<f4")
            if "AnnotationIndexList" in values_item:
                indices = np.frombuffer(values_item.AnnotationIndexList, dtype="<i4") - 1
            else:
                indices = np.arange(count)
            if indices.size != values.size:
                raise ParseError(
                    f"measurement {name!r} has {values.size} values", location=location
                )
            result[name] = {
                int(i): round(float(v), 6) for i, v in zip(indices, values, strict=True)
            }
    return result
