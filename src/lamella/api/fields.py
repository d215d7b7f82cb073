"""Datetimes as EXACT writes them: naive ISO-8601 with microseconds, in ``settings.TIME_ZONE``.

SlideRunner parses them with ``strptime("%Y-%m-%dT%H:%M:%S.%f")``, so the microseconds must
always be present and there must be no offset. Input accepts the same, EXACT's other spellings
(space instead of ``T``, no fraction, a bare date) and full ISO with an offset.
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers


def parse_exact_datetime(text: str) -> dt.datetime:
    """An aware datetime from any of EXACT's spellings; naive input is server-local time.

    Raises ``ValueError`` naming the accepted format when ``text`` is none of them.
    """
    cleaned = text.strip()
    try:
        parsed = parse_datetime(cleaned)
        if parsed is None:
            day = parse_date(cleaned)
            parsed = dt.datetime.combine(day, dt.time()) if day is not None else None
    except ValueError:
        parsed = None  # well formed but impossible, e.g. month 13
    if parsed is None:
        raise ValueError(f"{text!r} is not a datetime; use YYYY-MM-DDTHH:MM:SS.ffffff")
    try:
        if timezone.is_naive(parsed):
            parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
        # Years 1 and 9999 with an offset leave datetime's range in UTC or local time, where
        # the database adapter and the renderer would raise; refuse them here instead.
        parsed.astimezone(dt.UTC)
        parsed.astimezone(timezone.get_default_timezone())
    except OverflowError:
        raise ValueError(f"{text!r} is out of range once converted to UTC") from None
    return parsed


def format_exact_datetime(value: dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.ffffff`` in the server's time zone, without an offset."""
    if timezone.is_aware(value):
        value = timezone.localtime(value, timezone.get_default_timezone())
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


class NaiveDateTimeField(serializers.DateTimeField):
    """A DRF datetime field speaking EXACT's wire format both ways."""

    def to_representation(self, value: Any) -> Any:
        if value in (None, ""):
            return None
        if isinstance(value, str):
            value = parse_exact_datetime(value)
        return format_exact_datetime(value)

    def to_internal_value(self, value: Any) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value if timezone.is_aware(value) else timezone.make_aware(value)
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DDTHH:MM:SS.ffffff")
        try:
            return parse_exact_datetime(value)
        except ValueError:
            self.fail("invalid", format="YYYY-MM-DDTHH:MM:SS.ffffff")


class NaiveDateTimeFieldSchema(OpenApiSerializerFieldExtension):
    """Not OpenAPI's ``date-time``: that is RFC 3339, which requires an offset EXACT never sends."""

    target_class = "lamella.api.fields.NaiveDateTimeField"

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        return {
            "type": "string",
            "description": "Server-local time without offset, YYYY-MM-DDTHH:MM:SS.ffffff "
            "(input also accepts a space for T, no fraction, a bare date, or an offset).",
            "example": "2024-05-17T14:03:27.123456",
        }
