"""EXACT's ExportFormat templates (write only): ``%%placeholders`` filled per set, image,
annotation and vector node, as ``exact.md`` section 6 lists them.

Differences from EXACT, each on purpose:

- ``%%cx``/``%%cy`` of a point are its centre (EXACT used the top-left corner ``x1, y1``), and
  ``%%rad``/``%%dia`` come from the bounding box for every shape (EXACT gave 0 for points/lines);
- the default ``not_in_image_format`` has placeholders (EXACT's default is the literal text
  ``image name|annotation type|not in image``);
- ``min_verifications`` is applied (EXACT stores it but never applies it);
- ``%%meta_data`` is JSON rather than a Python ``repr``;
- placeholders are replaced in one pass, longest name first, so a value that itself contains
  ``%%`` is never replaced again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from lamella.interop._files import Source, write_text
from lamella.interop.model import Document, Record, Shape, VectorType

NAME = "exact_template"


@dataclass
class ExportFormat:
    """The text fields and switches of EXACT's ``ExportFormat`` model, with its defaults."""

    base_format: str = "%%content"
    image_format: str | None = None
    annotation_format: str = "%%imagename|%%type|{%%vector}|"
    vector_format: str = '"x%%count1": %%x,"y%%count1": %%y,'
    not_in_image_format: str = "%%imagename|%%type|not in image"
    name_format: str = "export_%%exportid.txt"
    image_aggregation: bool = False
    include_blurred: bool = True
    include_concealed: bool = True
    min_verifications: int = 0
    class_names: Collection[str] | None = None  # EXACT's ``annotations_types``; None = all


@dataclass
class ImageSetInfo:
    """The image set the export describes (``%%imageset``, ``%%team``, ...)."""

    name: str = ""
    description: str = ""
    team: str = ""
    location: str = ""


_CONDITIONALS: tuple[tuple[str, Callable[[Record], bool]], ...] = (
    ("%%ifblurred", lambda r: r.blurred),
    ("%%ifnotblurred", lambda r: not r.blurred),
    ("%%ifconcealed", lambda r: r.concealed),
    ("%%ifnotconcealed", lambda r: not r.concealed),
)


def fill(template: str, values: dict[str, Any]) -> str:
    """Replace every ``%%name`` of ``values`` in ``template`` (longest names first)."""
    if not values:
        return template
    names = sorted(values, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(name) for name in names))
    return pattern.sub(lambda match: _text(values[match.group(0)]), template)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def apply_conditionals(template: str, record: Record) -> str:
    """Keep or drop each ``%%ifblurred ... %%endif`` (and the other three) for ``record``."""
    for tag, keep in _CONDITIONALS:
        pattern = re.compile(re.escape(tag) + r"(.*?)%%endif", re.DOTALL)
        template = pattern.sub(r"\1" if keep(record) else "", template)
    return template


def _relative(value: float | None, size: int | None) -> float | None:
    if value is None or not size:
        return None
    return value / size


def vector_text(fmt: ExportFormat, shape: Shape, size: tuple[int, int] | None) -> str:
    """``vector_format`` repeated for each node of ``shape``."""
    width, height = size or (None, None)
    parts = []
    for index, (x, y) in enumerate(shape.points(), start=1):
        values = {
            "%%count0": index - 1,
            "%%count1": index,
            "%%x": shape.vector[f"x{index}"] if shape.vector else x,
            "%%y": shape.vector[f"y{index}"] if shape.vector else y,
            "%%relx": _relative(x, width),
            "%%rely": _relative(y, height),
            "%%br": "\n",
        }
        parts.append(fill(fmt.vector_format, values))
    return "".join(parts)


def annotation_values(
    record: Record, size: tuple[int, int] | None, fmt: ExportFormat, image_set: ImageSetInfo
) -> dict[str, Any]:
    """Every annotation-level placeholder and its value for ``record``."""
    width, height = size or (None, None)
    values: dict[str, Any] = {
        "%%imageset": image_set.name,
        "%%imagewidth": width,
        "%%imageheight": height,
        "%%imagename": record.image_name,
        "%%type": record.class_name,
    }
    shape = record.shape
    if shape.not_in_image:
        return values
    box = shape.bbox()
    x0, y0, x1, y1 = box if box else (None, None, None, None)
    box_width = (x1 - x0) if box else 0  # type: ignore[operator]
    box_height = (y1 - y0) if box else 0  # type: ignore[operator]
    centre = shape.centre() or (None, None)
    radius = shape.radius() if shape.kind != VectorType.GLOBAL else 0
    rel_radius = None
    if width and height:
        rel_radius = (radius / width + radius / height) / 2
    values.update(
        {
            "%%vector": vector_text(fmt, shape, size),
            "%%frame": shape.frame or 1,
            "%%first_editor": record.user,
            "%%first_timepoint": record.time,
            "%%last_editor": record.last_editor if record.last_editor is not None else -1,
            "%%last_timepoint": record.last_edit_time,
            "%%UUID": record.unique_identifier,
            "%%meta_data": json.dumps(record.meta_data),
            "%%deleted": record.deleted,
            "%%rad": radius,
            "%%dia": radius * 2,
            "%%cx": centre[0],
            "%%cy": centre[1],
            "%%minx": x0,
            "%%maxx": x1,
            "%%miny": y0,
            "%%maxy": y1,
            "%%width": box_width,
            "%%height": box_height,
            "%%relrad": rel_radius,
            "%%reldia": rel_radius * 2 if rel_radius is not None else None,
            "%%relcx": _relative(centre[0], width),
            "%%relcy": _relative(centre[1], height),
            "%%relminx": _relative(x0, width),
            "%%relmaxx": _relative(x1, width),
            "%%relminy": _relative(y0, height),
            "%%relmaxy": _relative(y1, height),
            "%%relwidth": _relative(box_width, width),
            "%%relheight": _relative(box_height, height),
        }
    )
    return values


def format_annotation(
    record: Record, size: tuple[int, int] | None, fmt: ExportFormat, image_set: ImageSetInfo
) -> str:
    """One record through ``annotation_format`` (or ``not_in_image_format``)."""
    values = annotation_values(record, size, fmt, image_set)
    if record.shape.not_in_image:
        template = fmt.not_in_image_format
    else:
        template = apply_conditionals(fmt.annotation_format, record)
    return fill(template, values).replace(",}", "}")


def selected(records: Iterable[Record], fmt: ExportFormat) -> Iterable[Record]:
    """The records EXACT's export would include."""
    keep_deleted = "deleted" in fmt.annotation_format
    for record in records:
        if record.deleted and not keep_deleted:
            continue
        if fmt.class_names is not None and record.class_name not in fmt.class_names:
            continue
        if (record.blurred and not fmt.include_blurred) or (
            record.concealed and not fmt.include_concealed
        ):
            continue
        verified = sum(1 for vote in record.votes if vote.verified)
        if verified < fmt.min_verifications:
            continue
        yield record


def render(
    document: Document,
    fmt: ExportFormat | None = None,
    *,
    image_set: ImageSetInfo | None = None,
    view: str = "",
    export_id: int | str = "",
) -> tuple[str, int, str]:
    """``(text, annotation count, file name)`` as EXACT's ``export_format()`` returns them.

    ``view`` is what ``%%view`` stands for (EXACT: the image open/close log).
    """
    fmt = fmt or ExportFormat()
    image_set = image_set or ImageSetInfo()
    chunks: list[str] = ["\n"]
    count = 0
    if fmt.image_aggregation:
        by_image: dict[str, list[Record]] = {}
        for record in selected(document, fmt):
            by_image.setdefault(record.image_name, []).append(record)
        for name, records in by_image.items():
            size = document.images.get(name)
            lines = [format_annotation(r, size, fmt, image_set) + "\n" for r in records]
            count += len(records)
            last = records[-1].shape
            values = {
                "%%imageset": image_set.name,
                "%%imagewidth": size[0] if size else None,
                "%%imageheight": size[1] if size else None,
                "%%imagename": name,
                "%%annotations": "".join(lines),
                "%%annoamount": len(records),
                "%%frame": last.frame or 1,
            }
            chunks.append(fill(fmt.image_format or "", values) + "\n")
    else:
        for record in selected(document, fmt):
            size = document.images.get(record.image_name)
            chunks.append(format_annotation(record, size, fmt, image_set) + "\n")
            count += 1
    base = {
        "%%view": view,
        "%%content": "".join(chunks),
        "%%imageset": image_set.name,
        "%%setdescription": image_set.description,
        "%%team": image_set.team,
        "%%setlocation": image_set.location,
    }
    return fill(fmt.base_format, base), count, file_name(fmt, image_set, export_id)


def file_name(fmt: ExportFormat, image_set: ImageSetInfo, export_id: int | str = "") -> str:
    """``name_format`` filled (``%%imageset``, ``%%team``, ``%%setlocation``, ``%%exportid``)."""
    values = {
        "%%imageset": image_set.name,
        "%%team": image_set.team,
        "%%setlocation": image_set.location,
        "%%exportid": export_id,
    }
    return fill(fmt.name_format, values)


def write(
    document: Document,
    target: Source,
    *,
    export_format: ExportFormat | None = None,
    image_set: ImageSetInfo | None = None,
    view: str = "",
) -> int:
    """Render ``document`` with ``export_format`` into ``target``; returns the count written."""
    text, count, _ = render(document, export_format, image_set=image_set, view=view)
    with write_text(target) as out:
        out.write(text)
    return count
