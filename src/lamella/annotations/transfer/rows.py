"""Turning one parsed record into what a row needs: meta_data, times, verdicts, its name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from lamella.interop.model import Record


def is_flat(record: Record) -> bool:
    vector = record.shape.vector
    if vector is not None and len(vector) - ("frame" in vector) == 4:
        # the common case, without building the node list
        try:
            return bool(vector["x2"] <= vector["x1"] or vector["y2"] <= vector["y1"])
        except (KeyError, TypeError):
            pass  # odd keys or values: validation names the problem later
    box = record.shape.bbox()
    return box is not None and (box[2] <= box[0] or box[3] <= box[1])


def verdict(verified: bool | None, voted_class: str | None, record_class: str) -> bool:
    if verified is not None:
        return verified
    # a vote for another class is a disagreement with the record's class
    return voted_class is None or voted_class == record_class


def where(index: int, record: Record) -> str:
    where = f"record {index + 1} (image {record.image_name!r}, class {record.class_name!r}"
    if record.unique_identifier:
        where += f", id {record.unique_identifier}"
    return where + ")"


def meta_data(record: Record, scale_x: float, scale_y: float) -> dict[str, Any] | None:
    """The record's meta_data, plus what the shape keeps that EXACT's vector cannot say."""
    shape = record.shape
    if not record.meta_data and not shape.hint and not shape.holes:
        return None
    meta = dict(record.meta_data)
    if shape.hint:
        meta["shape_hint"] = shape.hint
    if shape.holes:
        meta["holes"] = [
            [[round(x * scale_x, 3), round(y * scale_y, 3)] for x, y in ring]
            for ring in shape.holes
        ]
    return meta


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
