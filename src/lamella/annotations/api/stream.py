"""``GET /api/v1/annotations/annotations/stream/?image=ID``: every annotation of one image at once.

The paginated list builds a serializer per row; at 10^5 to 10^6 annotations that is the cost of
the request. Here the database writes the JSON (:mod:`lamella.annotations.api.json_sql`): for
NDJSON each whole line is one ``printf``/``format`` in SQL, read past Django's iterator in big
chunks (:mod:`lamella.annotations.api.raw_rows`), so Python only joins bytes. No model instance
is built and nothing per row queries the database; ``verified_by_user`` is a correlated
``EXISTS`` only when the requester verified something on the image, else the constant
``false``. Where SQL cannot do a field's conversion (SQLite outside UTC, other backends) that
field is converted in Python.

Two shapes: NDJSON (default, ``application/x-ndjson``), one compact object per line with the
list endpoint's field names, streamed as it is read; and ``format=columnar``, one JSON object
``{"count": n, "fields": [...], "<field>": [...], ...}`` of parallel arrays, which a viewer
turns into typed arrays without a per-object allocation.
"""

import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import connection
from django.db.models import OuterRef, QuerySet
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from lamella.accounts.policy import Action, can
from lamella.annotations import selectors
from lamella.annotations.api import raw_rows
from lamella.annotations.api.json_sql import FIELDS, field_sql, object_sql, values_sql
from lamella.annotations.models import Annotation, Verification
from lamella.images.models import Image

NDJSON = "application/x-ndjson"
# Rows per batch of the columnar transposition (and per fetch when Python formats lines).
CHUNK_ROWS = raw_rows.CHUNK_ROWS
# Between a row's values in columnar SQL output: JSON text never holds a raw control character.
SEPARATOR = "\x1f"
_TRUTHY = {"1", "true", "True", "yes"}
_FALSY = {"0", "false", "False", "no"}

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


def ndjson_chunks(lines: Iterable[str]) -> Iterator[bytes]:
    """Newline-terminated lines, joined into a few large chunks (one write each)."""
    pending: list[str] = []
    for line in lines:
        pending.append(line)
        if len(pending) >= CHUNK_ROWS:
            pending.append("")
            yield "\n".join(pending).encode()
            pending.clear()
    if pending:
        pending.append("")
        yield "\n".join(pending).encode()


def _columnar_head(count: int, fields: list[str]) -> bytes:
    return f'{{"count":{count},"fields":{json.dumps(fields)}'.encode()


def columnar_chunks(rows: Iterable[tuple[Any, ...]], fields: list[str]) -> Iterator[bytes]:
    """``{"count": n, "fields": [...], "<field>": [...], ...}`` from rows of values.

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
    yield _columnar_head(count, fields)
    for name, column in zip(fields, pieces, strict=True):
        yield f',"{name}":[{",".join(column)}]'.encode()
        column.clear()
    yield b"}"


def columnar_from_lines(chunks: Iterable[bytes], fields: list[str]) -> Iterator[bytes]:
    """The same object from chunks of lines of ``SEPARATOR``-joined values: a chunk becomes
    one flat list of values, and column ``i`` is every ``width``-th from ``i`` (all in C)."""
    width = len(fields)
    pieces: list[list[bytes]] = [[] for _ in fields]
    count = 0
    for chunk in chunks:
        values = chunk[:-1].replace(b"\n", SEPARATOR.encode()).split(SEPARATOR.encode())
        count += len(values) // width
        for index, column in enumerate(pieces):
            column.append(b",".join(values[index::width]))
    yield _columnar_head(count, fields)
    for name, column in zip(fields, pieces, strict=True):
        yield f',"{name}":['.encode() + b",".join(column) + b"]"
        column.clear()
    yield b"}"


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


def encoded_rows(
    queryset: QuerySet[Annotation], fields: list[str], verified: Any
) -> Iterator[tuple[Any, ...]]:
    """Rows of JSON text (and integers), one value per field, read in chunks."""
    expressions: list[Any] = []
    conversions: Conversions = []
    for index, name in enumerate(fields):
        field = field_sql(name, vendor=connection.vendor, verified=verified)
        expressions.append(field.expression(connection.vendor))
        if field.convert is not None:
            conversions.append((index, field.convert))
    rows = queryset.values_list(*expressions).iterator(chunk_size=CHUNK_ROWS)
    return _converted(rows, conversions)


def ndjson_body(
    queryset: QuerySet[Annotation], fields: list[str], verified: Any
) -> Iterator[bytes]:
    """One JSON object per annotation and line.

    Where every field is SQL, the database writes each whole line and Python only joins
    chunks of them; otherwise each row of values goes through one ``%`` formatting.
    """
    vendor = connection.vendor
    sql_fields = [field_sql(name, vendor=vendor, verified=verified) for name in fields]
    line = object_sql(sql_fields, fields, vendor=vendor)
    if line is not None:
        return raw_rows.line_chunks(queryset.values_list(line))
    template = "{" + ",".join(f'"{name}":%s' for name in fields) + "}"
    return ndjson_chunks(template % row for row in encoded_rows(queryset, fields, verified))


def columnar_body(
    queryset: QuerySet[Annotation], fields: list[str], verified: Any
) -> Iterator[bytes]:
    """The columnar object; the database writes each row's values as one line where it can."""
    vendor = connection.vendor
    sql_fields = [field_sql(name, vendor=vendor, verified=verified) for name in fields]
    row = values_sql(sql_fields, vendor=vendor, separator=SEPARATOR)
    if row is None:
        return columnar_chunks(encoded_rows(queryset, fields, verified), fields)
    return columnar_from_lines(raw_rows.line_chunks(queryset.values_list(row)), fields)


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
            response = StreamingHttpResponse(
                columnar_body(queryset, fields, verified), content_type="application/json"
            )
        else:
            body = ndjson_body(queryset, fields, verified)
            response = StreamingHttpResponse(body, content_type=NDJSON)
        response["Cache-Control"] = "no-store"
        return response
