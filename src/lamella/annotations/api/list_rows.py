"""Plain pages of the annotation list, written by the database.

A page without ``expand``, ``fields`` or ``omit`` (what exact-sync, SlideRunner and most
scripts ask for) has a fixed shape, so it needs no serializer: the database writes each
annotation's JSON in two pieces around ``verified_by_user``, plus its ``meta_data``
(:mod:`lamella.annotations.api.json_sql`); one more query brings the page's media file ids,
version ids and the requester's verifications together; Python splices them in. The page
reaches the renderer as one :class:`orjson.Fragment`, so nothing is decoded and encoded
again. A ``limit=10000`` page costs about a thirtieth of the serializer's time.

The SQL of the pieces is compiled once per backend and time zone: building and compiling the
expression tree anew costs more than the rest of a 50-row page.

Keys and values are those of :class:`~lamella.annotations.api.serializers.AnnotationSerializer`
(the tests compare the two outputs).
"""

from typing import Any

import orjson
from django.db import connections
from django.db.models import QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from lamella.annotations.api import raw_rows
from lamella.annotations.api.json_sql import field_sql, object_sql
from lamella.annotations.models import (
    Annotation,
    AnnotationMediaFile,
    AnnotationVersion,
    Verification,
)

#: The serializer's fields before and after ``verified_by_user``, in its order; after them
#: come the media file ids, ``meta_data`` and the version ids.
BEFORE = ("annotation_type", "id", "vector")
AFTER = (
    "image", "concealed", "blurred", "last_editor", "last_edit_time", "user", "time",
    "generated", "score", "deleted", "description", "unique_identifier",
)  # fmt: skip
Row = tuple[int, str, str, str]
_MEDIA, _VERSION, _VERIFIED = 0, 1, 2
_COMPILED: dict[tuple[str, str, str], list[RawSQL] | None] = {}


def _compile(alias: str) -> list[RawSQL] | None:
    """The before, after and ``meta_data`` pieces as raw SQL over the annotation table."""
    vendor = connections[alias].vendor
    before = [field_sql(name, vendor=vendor, verified=None) for name in BEFORE]
    after = [field_sql(name, vendor=vendor, verified=None) for name in AFTER]
    pieces = [
        object_sql(before, BEFORE, vendor=vendor, end=""),
        object_sql(after, AFTER, vendor=vendor, start="", end=""),
        field_sql("meta_data", vendor=vendor, verified=None).expression(vendor),
    ]
    if pieces[0] is None or pieces[1] is None:
        return None
    query = Annotation.objects.using(alias).all().query
    compiler = query.get_compiler(using=alias)
    compiled = []
    for piece in pieces:
        sql, params = compiler.compile(piece.resolve_expression(query))
        compiled.append(RawSQL(sql, tuple(params), output_field=TextField()))
    return compiled


EMPTY = orjson.Fragment(b"[]")


def _pieces(alias: str) -> list[RawSQL] | None:
    key = (alias, connections[alias].vendor, timezone.get_default_timezone_name())
    if key not in _COMPILED:
        _COMPILED[key] = _compile(alias)
    return _COMPILED[key]


def available(queryset: QuerySet[Annotation]) -> bool:
    """Whether the database can write these rows (else the serializer must)."""
    return _pieces(queryset.db) is not None


#: Up to this many ids go to the extras query as parameters; a bigger page as its subquery.
IDS_AS_PARAMETERS = 500


def _extras(ids: list[int], page_ids: QuerySet[Any], user: Any) -> list[tuple[int, int, int]]:
    """(kind, annotation id, id) of the page's media files, versions and the requester's
    verifications: one small query, written out because the ORM would spend longer building
    three filtered querysets and their union than the database spends running them."""
    if len(ids) <= IDS_AS_PARAMETERS:
        page_sql, page_params = ", ".join(["%s"] * len(ids)), tuple(ids)
    else:
        page_sql, page_params = raw_rows.compiled(page_ids)
    connection = connections[page_ids.db]
    quote = connection.ops.quote_name

    def column(model: Any, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    def select(model: Any, kind: int, extra: str = "") -> str:
        return (
            f"SELECT {kind}, {column(model, 'annotation')}, {column(model, 'id')}"
            f" FROM {quote(model._meta.db_table)}"
            f" WHERE {column(model, 'annotation')} IN ({page_sql}){extra}"
        )

    selects = [select(AnnotationMediaFile, _MEDIA), select(AnnotationVersion, _VERSION)]
    params: list[Any] = [*page_params, *page_params]
    if getattr(user, "is_authenticated", False):
        mine = f" AND {column(Verification, 'user')} = %s AND {column(Verification, 'verified')}"
        selects.append(select(Verification, _VERIFIED, mine))
        params += [*page_params, user.pk]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(selects), params)
        return cursor.fetchall()


def _ids_text(ids: list[int] | None) -> str:
    return "[" + ",".join(map(str, sorted(ids))) + "]" if ids else "[]"


def page_json(page_ids: QuerySet[Any], *, user: Any) -> orjson.Fragment:
    """The ``results`` array of the page whose ids ``page_ids`` selects (a sliced subquery).

    The JSON is selected by id from that subquery rather than from the sliced query itself:
    there the database would format every row it sorts or skips before the page, not only
    the page's."""
    pieces = _pieces(page_ids.db)
    if pieces is None:
        raise ValueError("the database cannot write annotation JSON; check available() first")
    page = Annotation.objects.using(page_ids.db).filter(id__in=page_ids).order_by("id")
    rows: list[Row] = list(page.values_list("id", *pieces))
    if not rows:
        return EMPTY
    found: tuple[dict[int, list[int]], ...] = ({}, {}, {})
    ids = [row[0] for row in rows]
    for kind, annotation_id, pk in _extras(ids, page_ids, user):
        found[kind].setdefault(annotation_id, []).append(pk)
    media, versions, verified = found
    objects = [
        f'{before},"verified_by_user":{"true" if pk in verified else "false"},{after},'
        f'"uploaded_media_files":{_ids_text(media.get(pk))},"meta_data":{meta},'
        f'"annotationversion_set":{_ids_text(versions.get(pk))}}}'
        for pk, before, after, meta in rows
    ]
    return orjson.Fragment("[" + ",".join(objects) + "]")
