"""Cytomine-style geometry: WKT in a CSV, one row per annotation.

Columns (header required, any order, names case-insensitive): ``image`` (or ``image_name``,
``filename``), ``class`` (or ``term``, ``label``), ``wkt`` (or ``location``, ``geometry``), and
optionally ``unique_identifier`` (or ``uuid``, ``id``) and ``description``. The delimiter is
sniffed among ``,`` ``;`` and tab. Cytomine's frame has its origin at the bottom left (y up):
with ``origin="bottom-left"`` y becomes ``height - y`` both ways, the heights coming from
``image_heights`` or the document's ``images``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from typing import Any, Literal

from lamella.interop import geometry as geo
from lamella.interop import wkt
from lamella.interop._files import Source, open_text, write_text
from lamella.interop.model import DEFAULT_POINT_RADIUS, Document, ParseError, Record

NAME = "wkt"
Origin = Literal["top-left", "bottom-left"]
ALIASES = {
    "image": ("image", "image_name", "imagename", "filename", "file_name"),
    "class": ("class", "class_name", "term", "label", "type"),
    "wkt": ("wkt", "location", "geometry"),
    "unique_identifier": ("unique_identifier", "uuid", "id", "guid"),
    "description": ("description", "name"),
}


def flip(coordinates: Any, height: float) -> Any:
    """Nested GeoJSON coordinates with every y replaced by ``height - y``."""
    if coordinates and isinstance(coordinates[0], int | float):
        return [coordinates[0], height - coordinates[1], *coordinates[2:]]
    return [flip(item, height) for item in coordinates]


def sniff_dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    """The CSV dialect of ``sample`` (``,`` ``;`` or tab), excel when it cannot tell."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def columns(header: list[str] | None, needed: tuple[str, ...]) -> dict[str, str]:
    """Our column name -> the file's, for every alias found; needed ones must be there."""
    found: dict[str, str] = {}
    lowered = {name.strip().lower(): name for name in header or []}
    for ours, aliases in ALIASES.items():
        for alias in aliases:
            if alias in lowered:
                found[ours] = lowered[alias]
                break
    missing = [name for name in needed if name not in found]
    if missing:
        raise ParseError(f"missing column(s) {', '.join(missing)}", location="line 1 (header)")
    return found


def parse(
    source: Source,
    *,
    origin: Origin = "top-left",
    image_heights: Mapping[str, int] | None = None,
    point_radius: float = DEFAULT_POINT_RADIUS,
    detect_boxes: bool = True,
) -> Document:
    """Read WKT rows; records stream as the file is read."""
    document = Document(records=[])
    options = {"point_radius": point_radius, "detect_boxes": detect_boxes}
    document.records = _records(source, document, origin, dict(image_heights or {}), options)
    return document


def _records(
    source: Source,
    document: Document,
    origin: Origin,
    heights: dict[str, int],
    options: dict[str, Any],
) -> Iterator[Record]:
    with open_text(source) as handle:
        sample = handle.read(4096)
        handle.seek(0)
        reader = csv.DictReader(handle, dialect=sniff_dialect(sample))
        names = columns(list(reader.fieldnames or []), ("image", "class", "wkt"))
        for row in reader:
            location = f"line {reader.line_num}"
            image = (row.get(names["image"]) or "").strip()
            class_name = (row.get(names["class"]) or "").strip()
            if not image or not class_name:
                raise ParseError("the image and the class must not be empty", location=location)
            kind, coordinates = wkt.parse(row.get(names["wkt"]) or "", location=location)
            if origin == "bottom-left":
                height = heights.get(image) or document.images.get(image, (0, 0))[1]
                if not height:
                    raise ParseError(f"no height known for image {image!r}", location=location)
                coordinates = flip(coordinates, height)
            document.class_info(class_name)
            identifier = (row.get(names.get("unique_identifier", ""), "") or "").strip()
            for shape in geo.shapes(kind, coordinates, location=location, **options):
                yield Record(
                    image_name=image,
                    class_name=class_name,
                    shape=shape,
                    unique_identifier=identifier or None,
                    description=row.get(names.get("description", ""), "") or "",
                )


def write(
    document: Document,
    target: Source,
    *,
    origin: Origin = "top-left",
    image_heights: Mapping[str, int] | None = None,
) -> int:
    """Write ``image,class,wkt,unique_identifier,description`` rows; returns the count."""
    heights = dict(image_heights or {})
    with write_text(target) as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["image", "class", "wkt", "unique_identifier", "description"])
        count = 0
        for record in document:
            shape_geometry = geo.geometry(record.shape)
            if shape_geometry is None:
                continue
            kind, coordinates = shape_geometry
            if origin == "bottom-left":
                height = (
                    heights.get(record.image_name)
                    or document.images.get(record.image_name, (0, 0))[1]
                )
                if not height:
                    raise ValueError(f"no height known for image {record.image_name!r}")
                coordinates = flip(coordinates, height)
            writer.writerow(
                [
                    record.image_name,
                    record.class_name,
                    wkt.format_wkt((kind, coordinates)),
                    record.unique_identifier or "",
                    record.description,
                ]
            )
            count += 1
        return count
