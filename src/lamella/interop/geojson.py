"""QuPath GeoJSON: a Feature, a FeatureCollection or a list of features, for one image.

``properties.classification`` (``name`` and ``color`` as ``[r, g, b]``, or QuPath 0.2's
``colorRGB`` integer) gives the class; ``name`` the description; ``color`` the record's colour;
``measurements`` (an object, or a list of ``{name, value}`` before QuPath 0.4) and ``metadata``
go to ``meta_data``; the feature ``id`` is the unique identifier. Geometry mapping: see
:mod:`lamella.interop.geometry`. Parts of a Multi* geometry after the first get an identifier
derived from the feature's (``uuid5``), so a round trip keeps them apart and stable.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from typing import Any, TextIO, cast

from lamella.interop import geometry as geo
from lamella.interop import json_stream
from lamella.interop._files import Source, is_path, open_binary, open_text, stem, write_text
from lamella.interop.model import (
    DEFAULT_POINT_RADIUS,
    ClassInfo,
    Document,
    ParseError,
    Record,
    colour_hex,
    colour_rgb,
)

try:  # optional: faster parsing of large files
    import orjson
except ImportError:  # pragma: no cover
    orjson = None  # type: ignore[assignment]

NAME = "geojson"
UNCLASSIFIED = "Unclassified"


def load_json(source: Source) -> Any:
    """The whole JSON value of ``source``; malformed JSON raises :class:`ParseError`.

    orjson, when installed, reads a path about twice as fast and with less memory.
    """
    if orjson is not None and is_path(source):
        with open_binary(source) as binary:
            data = binary.read()
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # the standard parser below names the problem the usual way
    with open_text(source) as handle:
        try:
            return json.load(handle)
        except json.JSONDecodeError as error:
            raise ParseError(
                f"malformed JSON ({error.msg})",
                location=f"line {error.lineno}, column {error.colno}",
            ) from None
        except UnicodeDecodeError as error:
            raise ParseError(
                f"not UTF-8 text ({error.reason})", location=f"byte {error.start}"
            ) from None


def parse(
    source: Source,
    *,
    image_name: str | None = None,
    point_radius: float = DEFAULT_POINT_RADIUS,
    detect_boxes: bool = True,
) -> Document:
    """Read GeoJSON; every record is on ``image_name`` (default: the file's stem). A very
    large FeatureCollection streams (:mod:`lamella.interop.json_stream`)."""
    document = Document(records=[])
    name = image_name or stem(source) or ""
    options = {"point_radius": point_radius, "detect_boxes": detect_boxes}
    if is_path(source) and json_stream.can_stream(cast(str, source)):
        document.records = _records(
            json_stream.features(cast(str, source)), document, name, options
        )
        return document
    data = load_json(source)
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features")
    elif isinstance(data, dict) and data.get("type") == "Feature":
        features = [data]
    elif isinstance(data, list):
        features = data
    else:
        raise ParseError("expected a Feature, a FeatureCollection or a list", location="top level")
    if not isinstance(features, list):
        raise ParseError("'features' must be a list", location="top level")
    document.records = _records(features, document, name, options)
    return document


def _records(
    features: Iterable[Any], document: Document, image_name: str, options: dict[str, Any]
) -> Iterator[Record]:
    for index, feature in enumerate(features):
        location = f"feature {index}"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ParseError("not a GeoJSON Feature", location=location)
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise ParseError("'properties' must be an object", location=location)
        shape_geometry = feature.get("geometry")
        if not isinstance(shape_geometry, dict):
            raise ParseError("the feature has no geometry", location=location)
        kind = shape_geometry.get("type")
        parts = shapes_of(shape_geometry, location, options)
        class_name = _class(properties, document, location)
        feature_id = feature.get("id")
        for part, shape in enumerate(parts):
            yield Record(
                image_name=image_name,
                class_name=class_name,
                shape=shape,
                unique_identifier=_identifier(feature_id, part),
                description=str(properties.get("name") or ""),
                meta_data=_meta_data(properties, location),
                colour=_colour(properties.get("color")),
            )
        if not parts:
            raise ParseError(f"the {kind} geometry has no parts", location=location)


def shapes_of(value: dict[str, Any], location: str, options: dict[str, Any]) -> list[Any]:
    """Shapes of a GeoJSON geometry object (GeometryCollection flattened)."""
    kind = value.get("type")
    if kind == "GeometryCollection":
        result = []
        for index, item in enumerate(value.get("geometries") or []):
            if not isinstance(item, dict):
                raise ParseError("a geometry must be an object", location=location)
            result += shapes_of(item, f"{location}, geometry {index}", options)
        return result
    if not isinstance(kind, str) or "coordinates" not in value:
        raise ParseError("the geometry needs 'type' and 'coordinates'", location=location)
    return geo.shapes(kind, value["coordinates"], location=location, **options)


def _identifier(feature_id: Any, part: int) -> str | None:
    if feature_id is None or feature_id == "":
        return None
    if part == 0:
        return str(feature_id)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{feature_id}#{part}"))


def _colour(value: Any) -> str | None:
    if isinstance(value, list) and len(value) >= 3 and all(isinstance(v, int) for v in value[:3]):
        return colour_hex(*value[:3])
    if isinstance(value, int) and not isinstance(value, bool):
        return colour_hex(value >> 16, value >> 8, value)
    if isinstance(value, str) and colour_rgb(value):
        return value
    return None


def _class(properties: dict[str, Any], document: Document, location: str) -> str:
    classification = properties.get("classification")
    if classification is None:
        document.class_info(UNCLASSIFIED)
        return UNCLASSIFIED
    if not isinstance(classification, dict) or not isinstance(classification.get("name"), str):
        raise ParseError("'classification' needs a 'name'", location=location)
    name = classification["name"]
    if name not in document.classes:  # the colour once per class, not once per feature
        colour = _colour(classification.get("color", classification.get("colorRGB")))
        document.classes[name] = ClassInfo(name, colour)
    return str(name)


def _meta_data(properties: dict[str, Any], location: str) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    metadata = properties.get("metadata")
    if isinstance(metadata, dict):
        meta.update(metadata)
    measurements = properties.get("measurements")
    if isinstance(measurements, list):  # QuPath before 0.4: [{"name": ..., "value": ...}]
        try:
            measurements = {str(m["name"]): m["value"] for m in measurements}
        except (KeyError, TypeError):
            raise ParseError(
                "measurements must be {name, value} objects", location=location
            ) from None
    if isinstance(measurements, dict) and measurements:
        meta["measurements"] = measurements
    object_type = properties.get("objectType", properties.get("object_type"))
    if object_type not in (None, "annotation"):
        meta["objectType"] = object_type
    return meta


def feature(record: Record, classes: dict[str, ClassInfo]) -> dict[str, Any] | None:
    """A QuPath-style Feature for ``record``, or ``None`` when it has no geometry."""
    shape_geometry = geo.geometry(record.shape)
    if shape_geometry is None:
        return None
    meta = dict(record.meta_data)
    properties: dict[str, Any] = {"objectType": meta.pop("objectType", "annotation")}
    if record.description:
        properties["name"] = record.description
    info = classes.get(record.class_name)
    if record.class_name != UNCLASSIFIED:
        classification: dict[str, Any] = {"name": record.class_name}
        rgb = colour_rgb(info.colour if info else None)
        if rgb:
            classification["color"] = list(rgb)
        properties["classification"] = classification
    rgb = colour_rgb(record.colour)
    if rgb:
        properties["color"] = list(rgb)
    measurements = meta.pop("measurements", None)
    if isinstance(measurements, dict):
        properties["measurements"] = measurements
    if meta:
        properties["metadata"] = meta
    result: dict[str, Any] = {"type": "Feature"}
    if record.unique_identifier:
        result["id"] = record.unique_identifier
    kind, coordinates = shape_geometry
    result["geometry"] = {"type": kind, "coordinates": coordinates}
    result["properties"] = properties
    return result


def write(document: Document, target: Source, *, image_name: str | None = None) -> int:
    """Write a FeatureCollection, one feature per line (only ``image_name``'s records when
    given: GeoJSON has no image field); returns the count written."""
    with write_text(target) as out:
        return _write(document, out, image_name)


def _write(document: Document, out: TextIO, image_name: str | None) -> int:
    out.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for record in document:
        if image_name is not None and record.image_name != image_name:
            continue
        item = feature(record, document.classes)
        if item is None:
            continue
        out.write(("," if count else "") + json.dumps(item) + "\n")
        count += 1
    out.write("]}\n")
    return count
