"""Annotation fields as JSON text written by the database.

The stream and the plain pages of the list send thousands of annotations per request. Building
a model instance, a dict and then JSON for each costs Python 50 to 100 µs a row; here every
field is an SQL expression whose value already is the field's JSON text (``vector`` and
``meta_data`` cast to text, booleans as ``true``/``false``, datetimes in EXACT's naive format,
the dashed UUID), and a whole object is one ``printf`` (SQLite) or ``format`` (PostgreSQL)
call over a template, so one string per row reaches Python. A template costs SQLite a third
less than the same text built with ``||`` (one allocation instead of one per part).

Where SQL cannot convert a field (SQLite outside UTC has no time zone rules; other backends),
that field comes back as a raw value with the Python conversion that writes its JSON, and the
caller formats the row in Python instead (:func:`object_sql` returns None).
"""

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Case, DateTimeField, Exists, F, Func, TextField, Value, When
from django.db.models.functions import Cast, Coalesce, Replace, Substr
from django.utils import timezone

from lamella.api.fields import format_exact_datetime

COLUMNS = {
    "image": "image_id",
    "annotation_type": "annotation_type_id",
    "user": "user_id",
    "last_editor": "last_editor_id",
    "concealed": "_concealed",
    "blurred": "_blurred",
}
INTEGERS = ("id", "image", "annotation_type")
NULLABLE = ("vector", "meta_data", "user", "last_editor")
BOOLEANS = ("deleted", "concealed", "blurred", "generated")
DATETIMES = ("time", "last_edit_time")
#: Every field the database can write; the list adds the two id lists, which it reads apart.
FIELDS = (
    "id", "image", "annotation_type", "vector", "unique_identifier", "deleted", "user",
    "last_editor", "time", "last_edit_time", "description", "meta_data", "concealed", "blurred",
    "generated", "score", "verified_by_user",
)  # fmt: skip


@dataclasses.dataclass(frozen=True)
class FieldSQL:
    """One field: ``template`` (JSON text with a ``%s`` per argument) over SQL ``args``; or,
    with ``convert``, one raw column that Python turns into JSON text."""

    template: str
    args: tuple[Any, ...]
    convert: Callable[[Any], str] | None = None

    def expression(self, vendor: str) -> Any:
        """The field's JSON text as one SQL expression (the raw column if ``convert``)."""
        if not self.args:
            return Value(self.template)
        if self.template == "%s" or self.convert is not None:
            return self.args[0]
        return printf(vendor, self.template, self.args)


class Joined(Func):
    """``a || b``: Django's Concat wraps each part in COALESCE; these parts are never NULL, and
    SQLite before 3.44 has no ``concat``."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = TextField()


def printf(vendor: str, template: str, args: Sequence[Any]) -> Func:
    """SQLite's ``printf`` / PostgreSQL's ``format``: both read ``%s`` and ``%%`` alike."""
    function = "printf" if vendor == "sqlite" else "format"
    return Func(
        Cast(Value(template), TextField()), *args, function=function, output_field=TextField()
    )


def _text_or_null(column: str) -> Any:
    return Coalesce(Cast(column, TextField()), Value("null"), output_field=TextField())


def _boolean(column: str, vendor: str) -> Any:
    if vendor == "postgresql":
        return Cast(column, TextField())  # boolean::text is already 'true' / 'false'
    return Case(When(**{column: True}, then=Value("true")), default=Value("false"))


def _score(vendor: str) -> FieldSQL:
    """A float that reads back as the same double, with a ``.0`` when integral as Python's."""
    absent = When(score=None, then=Value("null"))
    if vendor == "sqlite":
        # ``%!.17g``: 17 significant digits (exact round trip) and always a decimal point.
        exact = Func(Value("%!.17g"), F("score"), function="printf", output_field=TextField())
        return FieldSQL("%s", (Case(absent, default=exact, output_field=TextField()),))
    text = Cast("score", TextField())
    whole = When(score=Func(F("score"), function="trunc"), then=Joined(text, Value(".0")))
    return FieldSQL("%s", (Case(absent, whole, default=text, output_field=TextField()),))


def _datetime(column: str, vendor: str) -> FieldSQL:
    """EXACT's naive ``YYYY-MM-DDTHH:MM:SS.ffffff`` in the server's zone."""
    zone = timezone.get_default_timezone_name()
    if vendor == "postgresql":
        # Django's session zone is UTC; only another server zone needs the conversion.
        local: Any = F(column)
        if zone != "UTC":
            local = Func(Value(zone), local, function="timezone", output_field=DateTimeField())
        pattern = Value('YYYY-MM-DD"T"HH24:MI:SS.US')
        return FieldSQL('"%s"', (Func(local, pattern, function="to_char"),))
    if vendor == "sqlite" and zone == "UTC":
        # Stored as UTC "YYYY-MM-DD HH:MM:SS[.ffffff]": pad the fraction, then the "T".
        padded = Substr(Joined(Cast(column, TextField()), Value(".000000")), 1, 26)
        return FieldSQL('"%s"', (Replace(padded, Value(" "), Value("T")),))
    return FieldSQL("%s", (Cast(column, TextField()),), DatetimeText())


def _uuid(vendor: str) -> FieldSQL:
    if vendor == "sqlite":
        # A UUIDField is 32 hex digits in SQLite; the API writes the dashed form.
        cuts = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
        parts = tuple(Substr("unique_identifier", start, length) for start, length in cuts)
        return FieldSQL('"%s-%s-%s-%s-%s"', parts)
    if vendor == "postgresql":
        return FieldSQL('"%s"', (F("unique_identifier"),))
    return FieldSQL("%s", (Cast("unique_identifier", TextField()),), _quoted_text)


def _description(vendor: str) -> FieldSQL:
    if vendor == "sqlite":
        return FieldSQL("%s", (Func(F("description"), function="json_quote"),))
    if vendor == "postgresql":
        as_json = Func(F("description"), function="to_json", output_field=TextField())
        return FieldSQL("%s", (Cast(as_json, TextField()),))
    return FieldSQL("%s", (F("description"),), _json_text)


def field_sql(name: str, *, vendor: str, verified: Any) -> FieldSQL:
    """How the database writes field ``name``. ``verified`` is the requester's verifications,
    correlated to the outer annotation, or None when ``verified_by_user`` is false for all."""
    column = COLUMNS.get(name, name)
    if name in INTEGERS:
        return FieldSQL("%s", (F(column),))
    if name in NULLABLE:
        return FieldSQL("%s", (_text_or_null(column),))
    if name in BOOLEANS:
        return FieldSQL("%s", (_boolean(column, vendor),))
    if name in DATETIMES:
        return _datetime(name, vendor)
    if name == "unique_identifier":
        return _uuid(vendor)
    if name == "description":
        return _description(vendor)
    if name == "score":
        return _score(vendor)
    if name != "verified_by_user":
        raise ValueError(f"no SQL for field {name!r}")
    if verified is None:
        return FieldSQL("false", ())
    return FieldSQL(
        "%s", (Case(When(Exists(verified), then=Value("true")), default=Value("false")),)
    )


def object_sql(
    fields: Sequence[FieldSQL],
    names: Sequence[str],
    *,
    vendor: str,
    start: str = "{",
    end: str = "}",
) -> Any | None:
    """``{"name":<json>,...}`` as one SQL expression (``start`` and ``end`` replace the braces
    for a piece of an object), or None when a field needs Python or the backend has no
    ``printf``."""
    if vendor not in ("sqlite", "postgresql") or any(f.convert is not None for f in fields):
        return None
    template = ",".join(
        f'"{name}":{field.template}' for name, field in zip(names, fields, strict=True)
    )
    args = [arg for field in fields for arg in field.args]
    return printf(vendor, start + template + end, args)


def values_sql(fields: Sequence[FieldSQL], *, vendor: str, separator: str) -> Any | None:
    """Each field's JSON text, ``separator`` between them, as one SQL expression (None as for
    :func:`object_sql`)."""
    if vendor not in ("sqlite", "postgresql") or any(f.convert is not None for f in fields):
        return None
    args = [arg for field in fields for arg in field.args]
    return printf(vendor, separator.join(field.template for field in fields), args)


def _json_text(value: str) -> str:
    return json.dumps(value or "", ensure_ascii=False)


def _quoted_text(value: Any) -> str:
    return "null" if value is None else f'"{value}"'


def _stored_datetime(stored: str) -> dt.datetime:
    """A datetime column read as text: SQLite's has no offset and is UTC."""
    parsed = dt.datetime.fromisoformat(stored)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class DatetimeText:
    """Stored datetime text -> ``"YYYY-MM-DDTHH:MM:SS.ffffff"`` in EXACT's naive local time,
    for SQLite outside UTC, where SQL cannot convert zones.

    Bulk writes give thousands of rows the same timestamp, so results are memoised; the memo is
    bounded so that a million distinct times cannot grow it without limit.
    """

    LIMIT = 50_000

    def __init__(self) -> None:
        self.memo: dict[str, str] = {}

    def __call__(self, stored: Any) -> str:
        if stored is None:
            return "null"
        if isinstance(stored, dt.datetime):  # a backend that returns datetimes
            return f'"{format_exact_datetime(stored)}"'
        found = self.memo.get(stored)
        if found is None:
            found = f'"{format_exact_datetime(_stored_datetime(stored))}"'
            if len(self.memo) >= self.LIMIT:
                self.memo.clear()
            self.memo[stored] = found
        return found
