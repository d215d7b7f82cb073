"""``GET /api/v1/annotations/annotations/stream/?image=ID``: every annotation of one image at once.

The paginated list builds a serializer per row; at 10^5 to 10^6 annotations that is the cost of
the request. Here the database writes the JSON: each field is an SQL expression that yields its
JSON text (``vector`` and ``meta_data`` cast to text, booleans as ``true``/``false``, datetimes
in EXACT's naive format in the server's zone), and for NDJSON the whole line is one
concatenation, so Python receives one string per annotation from
``values_list(...).iterator()`` and only joins them. No model instance is built and nothing
per row queries the database; ``verified_by_user`` is a correlated ``EXISTS`` only when the
requester verified something on the image, else the constant ``false``. Where SQL cannot do a
field's conversion (SQLite outside UTC, other backends) that field is converted in Python.

Two shapes: NDJSON (default, ``application/x-ndjson``), one compact object per line with the
list endpoint's field names, streamed as it is read; and ``format=columnar``, one JSON object
``{"count": n, "fields": [...], "<field>": [...], ...}`` of parallel arrays, which a viewer
turns into typed arrays without a per-object allocation.
"""

import datetime as dt
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    DateTimeField,
    Exists,
    F,
    Func,
    OuterRef,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Replace, Substr
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from lamella.accounts.policy import Action, can
from lamella.annotations import selectors
from lamella.annotations.models import Annotation, Verification
from lamella.api.fields import format_exact_datetime
from lamella.images.models import Image

NDJSON = "application/x-ndjson"
# Rows fetched per round trip; on PostgreSQL also the server-side cursor's batch.
CHUNK_ROWS = 5_000
# Lines joined into one write: fewer, larger chunks keep the WSGI server's per-chunk cost low.
LINES_PER_WRITE = 2_000
_TRUTHY = {"1", "true", "True", "yes"}
_FALSY = {"0", "false", "False", "no"}

FIELDS = (
    "id", "image", "annotation_type", "vector", "unique_identifier", "deleted", "user",
    "last_editor", "time", "last_edit_time", "description", "meta_data", "concealed", "blurred",
    "generated", "score", "verified_by_user",
)  # fmt: skip
_COLUMNS = {"image": "image_id", "annotation_type": "annotation_type_id", "user": "user_id"}
_COLUMNS |= {"last_editor": "last_editor_id", "concealed": "_concealed", "blurred": "_blurred"}
_INTEGERS = ("id", "image", "annotation_type")
NULL, QUOTE = Value("null"), Value('"')


def _or_null(expression: Any) -> Any:
    return Coalesce(Cast(expression, TextField()), NULL, output_field=TextField())


def _boolean(column: str) -> Any:
    true = When(**{column: True}, then=Value("true"))
    return Case(true, default=Value("false"), output_field=TextField())


class Joined(Func):
    """``a || b || ...``: Django's Concat wraps every part in COALESCE, which costs SQLite as
    much as the rest of a row; the parts joined here are never NULL."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = TextField()


def _quoted(expression: Any) -> Any:
    return Joined(QUOTE, expression, QUOTE)


def _sqlite_uuid(column: str) -> Any:
    # SQLite keeps a UUIDField as 32 hex digits; the API writes the dashed form.
    cuts = ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
    parts: list[Any] = []
    for start, length in cuts:
        parts += [Value("-"), Substr(column, start, length)]
    return _quoted(Joined(*parts[1:]))


def _datetime(column: str, vendor: str) -> tuple[Any, Callable[[Any], str] | None]:
    """EXACT's naive ``YYYY-MM-DDTHH:MM:SS.ffffff`` in the server's zone, in SQL if it can."""
    zone = timezone.get_default_timezone_name()
    if vendor == "postgresql":
        local = Func(Value(zone), F(column), function="timezone", output_field=DateTimeField())
        pattern = Value('YYYY-MM-DD"T"HH24:MI:SS.US')
        return _quoted(Func(local, pattern, function="to_char", output_field=TextField())), None
    text = Cast(column, TextField())
    if vendor == "sqlite" and zone == "UTC":
        # Stored as UTC "YYYY-MM-DD HH:MM:SS[.ffffff]": pad the fraction, then the "T".
        padded = Substr(Joined(text, Value(".000000")), 1, 26)
        return _quoted(Replace(padded, Value(" "), Value("T"))), None
    return text, DatetimeText()


def _json_string(column: str, vendor: str) -> tuple[Any, Callable[[Any], str] | None]:
    if vendor == "sqlite":
        return Func(F(column), function="json_quote", output_field=TextField()), None
    if vendor == "postgresql":
        return Cast(
            Func(F(column), function="to_json", output_field=TextField()), TextField()
        ), None
    return column, _text


def column_for(name: str, *, vendor: str, verified: Any) -> tuple[Any, Callable[[Any], str] | None]:
    """The SQL expression of one output field, already JSON text where the database can write
    it, and the Python conversion still needed (None for most fields on SQLite and PostgreSQL).
    ``verified`` is the requester's verifications subquery, or None when there are none."""
    if name in _INTEGERS:
        return _COLUMNS.get(name, name), None
    if name in ("vector", "meta_data", "user", "last_editor", "score"):
        return _or_null(_COLUMNS.get(name, name)), None
    if name in ("deleted", "concealed", "blurred", "generated"):
        return _boolean(_COLUMNS.get(name, name)), None
    if name == "unique_identifier":
        if vendor == "sqlite":
            return _sqlite_uuid(name), None
        return _quoted(Cast(name, TextField())), None
    if name in ("time", "last_edit_time"):
        return _datetime(name, vendor)
    if name == "description":
        return _json_string(name, vendor)
    if verified is None:
        return Value("false"), None
    return Case(When(Exists(verified), then=Value("true")), default=Value("false")), None


def _text(value: str) -> str:
    return '""' if not value else json.dumps(value, ensure_ascii=False)


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

    def __call__(self, stored: str | None) -> str:
        if stored is None:
            return "null"
        found = self.memo.get(stored)
        if found is None:
            found = f'"{format_exact_datetime(_stored_datetime(stored))}"'
            if len(self.memo) >= self.LIMIT:
                self.memo.clear()
            self.memo[stored] = found
        return found


Conversions = list[tuple[int, Callable[[Any], str]]]


def _converted(
    rows: Iterable[tuple[Any, ...]], conversions: Conversions
) -> Iterator[tuple[Any, ...]]:
    if not conversions:
        yield from rows
        return
    for row in rows:
        values = list(row)
        for index, convert in conversions:
            values[index] = convert(values[index])
        yield tuple(values)


def ndjson_chunks(lines: Iterable[str]) -> Iterator[str]:
    """Newline-terminated lines, joined into a few large strings (one write each)."""
    pending: list[str] = []
    append = pending.append
    for line in lines:
        append(line)
        if len(pending) >= LINES_PER_WRITE:
            pending.append("")
            yield "\n".join(pending)
            pending.clear()
    if pending:
        pending.append("")
        yield "\n".join(pending)


def columnar_chunks(rows: Iterable[tuple[Any, ...]], fields: list[str]) -> Iterator[str]:
    """``{"count": n, "fields": [...], "<field>": [...], ...}``.

    Every array needs all rows before the next one starts, so rows are transposed a batch at a
    time into one text piece per column and batch: memory is the size of the answer, not a
    Python object per value.
    """
    pieces: list[list[str]] = [[] for _ in fields]
    count = 0
    remaining = iter(rows)
    while batch := list(itertools.islice(remaining, CHUNK_ROWS)):
        count += len(batch)
        for column, values in zip(pieces, zip(*batch, strict=True), strict=True):
            column.append(",".join(map(str, values)))
    yield f'{{"count":{count},"fields":{json.dumps(fields)}'
    for name, column in zip(fields, pieces, strict=True):
        yield f',"{name}":[' + ",".join(column) + "]"
        column.clear()
    yield "}"


def _flag(params: Any, name: str) -> bool | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if raw in _TRUTHY or raw in _FALSY:
        return raw in _TRUTHY
    raise ParseError(f"{name} must be true or false (1/0), not {raw!r}")


def _ids(raw: str, name: str) -> list[int]:
    try:
        ids = [int(part) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise ParseError(f"{name} must be comma-separated integers, not {raw!r}") from exc
    if not ids or not all(0 < pk < 2**63 for pk in ids):
        raise ParseError(f"{name} must be comma-separated positive integers, not {raw!r}")
    return ids


def _fields(raw: str | None) -> list[str]:
    if not raw:
        return list(FIELDS)
    names = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in names if name not in FIELDS]
    if unknown or not names:
        raise ParseError(f"unknown fields {unknown}; choose from {', '.join(FIELDS)}")
    return list(dict.fromkeys(names))


def select_rows(params: Any, user: Any) -> tuple[QuerySet[Annotation], Image]:
    """The annotations the query parameters ask for, after checking that ``user`` may read."""
    raw_image = params.get("image", "")
    if not raw_image.isdigit() or not 0 < int(raw_image) < 2**63:
        raise ParseError("image=<id> is required: the stream holds the annotations of one image")
    image = Image.objects.select_related("image_set").filter(pk=int(raw_image)).first()
    if image is None or not can(user, image.image_set, Action.READ):
        raise NotFound(f"Image {raw_image} not found.")
    raw_frame = params.get("frame")
    if raw_frame is not None and not (raw_frame.isdigit() and 0 < int(raw_frame) < 2**31):
        raise ParseError(f"frame must be a frame number, not {raw_frame!r}")
    frame = int(raw_frame) if raw_frame else None
    if "in_bbox" in params:
        try:
            x1, y1, x2, y2 = (float(part) for part in params["in_bbox"].split(","))
        except ValueError as exc:
            raise ParseError(
                f"in_bbox must be x1,y1,x2,y2 numbers, not {params['in_bbox']!r}"
            ) from exc
        queryset = selectors.annotations_in_viewport(
            image=image.pk, frame=frame or 1, include_deleted=True,
            x_min=min(x1, x2), y_min=min(y1, y2), x_max=max(x1, x2), y_max=max(y1, y2),
        )  # fmt: skip
    else:
        queryset = selectors.annotations_of_image(image=image.pk, frame=frame, include_deleted=True)
    deleted = _flag(params, "deleted")
    if deleted is not None:
        queryset = queryset.filter(deleted=deleted)
    if params.get("annotation_type"):
        queryset = queryset.filter(
            annotation_type__in=_ids(params["annotation_type"], "annotation_type")
        )
    return queryset.order_by("id"), image


def verifications_of(user: Any, image: Image) -> QuerySet[Verification] | None:
    """The requester's acceptances, correlated to the outer annotation, or None when there are
    none on this image (the usual case: then ``verified_by_user`` is a constant)."""
    if not getattr(user, "is_authenticated", False):
        return None
    mine = Verification.objects.filter(user=user, verified=True)
    if not mine.filter(annotation__image=image).exists():
        return None
    return mine.filter(annotation=OuterRef("pk"))


def _columns(fields: list[str], verified: Any) -> tuple[list[Any], Conversions]:
    vendor = connection.vendor
    expressions: list[Any] = []
    conversions: Conversions = []
    for index, name in enumerate(fields):
        expression, convert = column_for(name, vendor=vendor, verified=verified)
        expressions.append(expression)
        if convert is not None:
            conversions.append((index, convert))
    return expressions, conversions


def encoded_rows(
    queryset: QuerySet[Annotation], fields: list[str], verified: Any
) -> Iterator[tuple[Any, ...]]:
    """Rows of JSON text (and integers), one value per field, read in chunks."""
    expressions, conversions = _columns(fields, verified)
    rows = queryset.values_list(*expressions).iterator(chunk_size=CHUNK_ROWS)
    return _converted(rows, conversions)


def json_lines(queryset: QuerySet[Annotation], fields: list[str], verified: Any) -> Iterator[str]:
    """One JSON object per annotation, without the newline.

    Where every field is SQL, the database writes the whole line and Python only passes one
    string per row on (a third less work on SQLite than a value per field); otherwise each
    row of values goes through one ``%`` formatting.
    """
    expressions, conversions = _columns(fields, verified)
    if conversions:
        template = "{" + ",".join(f'"{name}":%s' for name in fields) + "}"
        return (template % row for row in encoded_rows(queryset, fields, verified))
    parts: list[Any] = []
    for index, (name, expression) in enumerate(zip(fields, expressions, strict=True)):
        parts.append(Value(("{" if index == 0 else ",") + f'"{name}":'))
        parts.append(Cast(expression, TextField()) if name in _INTEGERS else expression)
    line = Joined(*parts, Value("}"))
    return queryset.values_list(line, flat=True).iterator(chunk_size=CHUNK_ROWS)


STREAM_PARAMETERS = [
    OpenApiParameter(
        "image", int, required=True, description="the image whose annotations to send"
    ),
    OpenApiParameter("frame", int, description="frame (1-based); multi-frame types included"),
    OpenApiParameter("in_bbox", str, description="x1,y1,x2,y2: only annotations meeting this box"),
    OpenApiParameter("deleted", bool, description="true: only deleted ones; false: only live ones"),
    OpenApiParameter("annotation_type", str, description="a type id or comma-separated ids"),
    OpenApiParameter("fields", str, description=f"comma-separated subset of: {', '.join(FIELDS)}"),
    OpenApiParameter(
        "format", str, enum=["ndjson", "columnar"], description="ndjson (default) or columnar"
    ),
]


class AnnotationStreamView(APIView):
    """All annotations of one image as NDJSON, or as one columnar JSON object."""

    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(
        self, request: Request, force: bool = False
    ) -> tuple[BaseRenderer, str]:
        # ``format`` names our output shape here, not one of DRF's renderers; errors are JSON.
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        operation_id="annotations_annotations_stream",
        parameters=STREAM_PARAMETERS,
        responses={
            (200, NDJSON): OpenApiResponse(
                OpenApiTypes.STR, description="one annotation object per line"
            ),
            (200, "application/json"): OpenApiResponse(
                OpenApiTypes.OBJECT,
                description='format=columnar: {"count": n, "fields": [...], "<field>": [...]}',
            ),
            400: OpenApiResponse(description="a malformed parameter"),
            404: OpenApiResponse(description="no such image, or not readable by you"),
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        """Stream the annotations of ``image`` (filters as the list endpoint's)."""
        params = request.query_params
        shape = params.get("format") or "ndjson"
        if shape not in ("ndjson", "columnar"):
            raise ParseError(f"format must be ndjson or columnar, not {shape!r}")
        fields = _fields(params.get("fields"))
        queryset, image = select_rows(params, request.user)
        verified = verifications_of(request.user, image) if "verified_by_user" in fields else None
        if shape == "columnar":
            rows = encoded_rows(queryset, fields, verified)
            response = StreamingHttpResponse(
                columnar_chunks(rows, fields), content_type="application/json"
            )
        else:
            lines = json_lines(queryset, fields, verified)
            response = StreamingHttpResponse(ndjson_chunks(lines), content_type=NDJSON)
        response["Cache-Control"] = "no-store"
        return response
