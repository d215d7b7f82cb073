"""Writing a DICOM Microscopy Bulk Simple Annotations object for one image with pydicom.

One Annotation Group per (class, graphic type), coordinates as 64-bit floats in the total pixel
matrix (``2D``). The group's property category and type codes use a local coding scheme
(``99LAMELLA``) whose meaning is the class name, since a class carries no SNOMED code here.
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, MicroscopyBulkSimpleAnnotationsStorage, generate_uid

from lamella.interop._files import Source, write_binary
from lamella.interop.model import Document, Record, VectorType

_GRAPHIC: dict[int, str] = {
    VectorType.POINT: "POINT",
    VectorType.BOUNDING_BOX: "RECTANGLE",
    VectorType.FIXED_SIZE_BOUNDING_BOX: "RECTANGLE",
    VectorType.LINE: "POLYLINE",
    VectorType.MULTI_LINE: "POLYLINE",
    VectorType.POLYGON: "POLYGON",
}


def _code(value: str, meaning: str, scheme: str = "99LAMELLA") -> Dataset:
    code = Dataset()
    code.CodeValue = value[:16]
    code.CodingSchemeDesignator = scheme
    code.CodeMeaning = meaning[:64]
    return code


def _graphic(record: Record) -> tuple[str, list[tuple[float, float]]] | None:
    shape = record.shape
    kind = shape.kind
    if shape.not_in_image or kind not in _GRAPHIC:
        return None
    if kind == VectorType.POINT:
        if shape.hint == "ellipse":
            box = shape.bbox() or (0.0, 0.0, 0.0, 0.0)
            cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
            return "ELLIPSE", [(box[0], cy), (box[2], cy), (cx, box[1]), (cx, box[3])]
        return "POINT", [shape.centre() or (0.0, 0.0)]
    if _GRAPHIC[kind] == "RECTANGLE":
        return "RECTANGLE", shape.corners()
    if shape.hint == "rectangle" and len(shape.points()) == 4:
        return "RECTANGLE", shape.points()
    return _GRAPHIC[kind], shape.points()


def build(
    document: Document,
    *,
    image_name: str | None = None,
    referenced_sop_instance_uid: str | None = None,
) -> Dataset:
    """The ANN dataset for the records of one image (``image_name``, or the only image)."""
    groups: dict[tuple[str, str], list[list[tuple[float, float]]]] = {}
    measured: dict[tuple[str, str], list[dict[str, Any]]] = {}
    names: set[str] = set()
    for record in document:
        if image_name is not None and record.image_name != image_name:
            continue
        graphic = _graphic(record)
        if graphic is None or record.deleted:
            continue
        names.add(record.image_name)
        groups.setdefault((record.class_name, graphic[0]), []).append(graphic[1])
        values = record.meta_data.get("measurements")
        measured.setdefault((record.class_name, graphic[0]), []).append(
            values if isinstance(values, dict) else {}
        )
    if len(names) > 1:
        raise ValueError(
            f"a DICOM annotation object covers one image; pass image_name ({len(names)} found)"
        )
    dataset = _header(next(iter(names), image_name or ""), referenced_sop_instance_uid)
    items = []
    for number, ((label, kind), shapes) in enumerate(groups.items(), start=1):
        group = _group(number, label, kind, shapes)
        _add_measurements(group, measured[(label, kind)])
        items.append(group)
    dataset.AnnotationGroupSequence = Sequence(items)
    return dataset


def _header(image_name: str, referenced: str | None) -> Dataset:
    now = datetime.datetime.now(datetime.UTC)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = MicroscopyBulkSimpleAnnotationsStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    dataset = Dataset()
    dataset.file_meta = meta
    dataset.SOPClassUID = MicroscopyBulkSimpleAnnotationsStorage
    dataset.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    dataset.StudyInstanceUID = generate_uid()
    dataset.SeriesInstanceUID = generate_uid()
    dataset.Modality = "ANN"
    dataset.SeriesNumber = 1
    dataset.InstanceNumber = 1
    dataset.Manufacturer = "Lamella"
    dataset.ContentDate = dataset.StudyDate = now.strftime("%Y%m%d")
    dataset.ContentTime = dataset.StudyTime = now.strftime("%H%M%S")
    dataset.ContentLabel = "ANNOTATIONS"
    dataset.ContentDescription = f"Annotations of {image_name}"[:64]
    dataset.ContentCreatorName = ""
    dataset.PatientName = ""
    dataset.PatientID = ""
    dataset.ContainerIdentifier = image_name[:64]
    dataset.AnnotationCoordinateType = "2D"
    dataset.PixelOriginInterpretation = "VOLUME"
    if referenced:
        item = Dataset()
        item.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.77.1.6"  # VL WSI storage
        item.ReferencedSOPInstanceUID = referenced
        dataset.ReferencedImageSequence = Sequence([item])
    return dataset


def _group(number: int, label: str, kind: str, shapes: list[list[tuple[float, float]]]) -> Dataset:
    group = Dataset()
    group.AnnotationGroupNumber = number
    group.AnnotationGroupUID = generate_uid()
    group.AnnotationGroupLabel = label[:64]
    group.AnnotationGroupGenerationType = "MANUAL"
    group.AnnotationPropertyCategoryCodeSequence = Sequence([_code("category", "Annotation")])
    group.AnnotationPropertyTypeCodeSequence = Sequence([_code(f"class{number}", label)])
    group.NumberOfAnnotations = len(shapes)
    group.AnnotationAppliesToAllOpticalPaths = "YES"
    group.GraphicType = kind
    flat: list[Any] = [value for shape in shapes for point in shape for value in point]
    group.DoublePointCoordinatesData = np.asarray(flat, dtype="<f8").tobytes()
    if kind in ("POLYLINE", "POLYGON"):
        lengths = [2 * len(shape) for shape in shapes]
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype("<i4") + 1
        group.LongPrimitivePointIndexList = starts.tobytes()
    return group


def _add_measurements(group: Dataset, values: list[dict[str, Any]]) -> None:
    """Measurements every annotation of the group has, as one float per annotation."""
    names = set.intersection(*(set(v) for v in values)) if values else set()
    items = []
    for name in sorted(names):
        if not all(isinstance(v[name], int | float) for v in values):
            continue
        item = Dataset()
        item.ConceptNameCodeSequence = Sequence([_code(name.lower()[:16], name)])
        item.MeasurementUnitsCodeSequence = Sequence([_code("1", "no units", "UCUM")])
        numbers = Dataset()
        numbers.FloatingPointValues = np.asarray([v[name] for v in values], "<f4").tobytes()
        item.MeasurementValuesSequence = Sequence([numbers])
        items.append(item)
    if items:
        group.MeasurementsSequence = Sequence(items)


def write(
    document: Document,
    target: Source,
    *,
    image_name: str | None = None,
    referenced_sop_instance_uid: str | None = None,
) -> int:
    """Write the records of one image as an ANN file; returns the count written."""
    dataset = build(
        document, image_name=image_name, referenced_sop_instance_uid=referenced_sop_instance_uid
    )
    count = sum(int(group.NumberOfAnnotations) for group in dataset.AnnotationGroupSequence)
    with write_binary(target) as out:
        dataset.save_as(out, enforce_file_format=True)
    return count
