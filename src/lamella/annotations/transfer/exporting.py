"""Export an image set's annotations in any format: a Document built from the database, streamed.

Annotations are read with one query (``iterator(chunk_size)``, ordered by id) and their
verifications with another in the same order, merged as they go, so memory stays flat whatever
the set's size. What the import kept in ``meta_data`` beside EXACT's vector (``shape_hint``,
``holes``) goes back into the shape, so a round trip restores the file's own shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lamella.accounts.models import User
from lamella.annotations.models import Annotation, AnnotationType, ExportFormat, Verification
from lamella.annotations.transfer.importing import SINGLE_IMAGE_FORMATS
from lamella.images.models import Image, ImageSet
from lamella.interop import exact_template, registry
from lamella.interop._files import Source
from lamella.interop.model import ClassInfo, Document, Record, Shape, Vote

CHUNK_SIZE = 2_000
_COLUMNS = (
    "id", "image_id", "annotation_type_id", "vector", "unique_identifier", "deleted",
    "description", "meta_data", "_concealed", "_blurred", "score", "time", "last_edit_time",
    "user_id", "last_editor_id",
)  # fmt: skip


class ExportError(ValueError):
    """The export cannot be made as asked (unknown format, no image for a one-image format)."""


def export_annotations(
    *,
    user: Any,
    image_set: ImageSet,
    format: str,
    out: Source,
    image: Image | None = None,
    include_deleted: bool = False,
    export_format: ExportFormat | None = None,
) -> int:
    """Write the set's annotations (only ``image``'s when given) to ``out`` (a path or an open
    file) in ``format``; returns the count written. ``exact_template`` renders
    ``export_format`` (EXACT's ExportFormat model). The caller checks permissions."""
    try:
        module = registry.get(format)
    except KeyError as error:
        raise ExportError(str(error.args[0])) from None
    if image is None and format in SINGLE_IMAGE_FORMATS:
        image = _only_image(image_set, format)
    document = build_document(image_set, image=image, include_deleted=include_deleted)
    options: dict[str, Any] = {}
    if format in SINGLE_IMAGE_FORMATS and image is not None:
        options["image_name"] = image.name
    if format == "exact":
        options["include_deleted"] = include_deleted
    if format == "exact_template":
        options["export_format"] = template_of(export_format) if export_format else None
        options["image_set"] = exact_template.ImageSetInfo(
            name=image_set.name,
            description=image_set.description or "",
            team=image_set.team.name if image_set.team else "",
            location=image_set.location or "",
        )
    count: int = module.write(document, out, **options)
    return count


def _only_image(image_set: ImageSet, format: str) -> Image:
    annotated = Image.objects.filter(image_set=image_set, annotations__isnull=False).distinct()
    images = list(annotated[:2]) or list(Image.objects.filter(image_set=image_set)[:2])
    if len(images) != 1:
        raise ExportError(f"a {format} file holds one image: say which")
    return images[0]


def template_of(model: ExportFormat) -> exact_template.ExportFormat:
    """EXACT's ExportFormat row as the writer's template."""
    names = list(model.annotations_types.values_list("name", flat=True))
    return exact_template.ExportFormat(
        base_format=model.base_format,
        image_format=model.image_format or None,
        annotation_format=model.annotation_format,
        vector_format=model.vector_format,
        not_in_image_format=model.not_in_image_format,
        name_format=model.name_format,
        image_aggregation=model.image_aggregation,
        include_blurred=model.include_blurred,
        include_concealed=model.include_concealed,
        min_verifications=model.min_verifications,
        class_names=names or None,
    )


def build_document(
    image_set: ImageSet, *, image: Image | None = None, include_deleted: bool = False
) -> Document:
    """A Document of the set's annotations; its records stream from the database."""
    images = Image.objects.filter(image_set=image_set)
    if image is not None:
        images = images.filter(pk=image.pk)
    names: dict[int, str] = {}
    document = Document(records=[])
    for pk, name, width, height in images.values_list("id", "name", "width", "height"):
        names[pk] = name
        document.images[name] = (width, height)
    annotations = Annotation.objects.filter(image__in=images)
    if not include_deleted:
        annotations = annotations.filter(deleted=False)
    type_ids = annotations.values("annotation_type_id")
    types = {t.pk: t for t in AnnotationType.objects.filter(pk__in=type_ids)}
    for kind in types.values():
        info = ClassInfo(kind.name, kind.color_code.lower(), kind.vector_type)
        document.classes.setdefault(kind.name, info)
    document.records = _records(annotations, names, types)
    return document


def _records(
    annotations: Any, names: dict[int, str], types: dict[int, AnnotationType]
) -> Iterator[Record]:
    usernames = dict(User.objects.values_list("id", "username"))
    verifications = _Grouped(
        Verification.objects.filter(annotation__in=annotations)
        .order_by("annotation_id", "id")
        .values_list("annotation_id", "user_id", "verified")
        .iterator(chunk_size=CHUNK_SIZE)
    )
    rows = annotations.order_by("id").values_list(*_COLUMNS).iterator(chunk_size=CHUNK_SIZE)
    for row in rows:
        pk, image_id, type_id, vector, identifier, deleted, description, meta = row[:8]
        concealed, blurred, score, time, edited, user_id, editor_id = row[8:]
        kind = types[type_id]
        meta = dict(meta) if isinstance(meta, dict) else {}
        shape = Shape(kind.vector_type, vector, hint=meta.pop("shape_hint", None))
        holes = meta.pop("holes", None)
        if isinstance(holes, list):
            shape.holes = [[(float(x), float(y)) for x, y in ring] for ring in holes]
        votes = [
            Vote(
                person=usernames.get(voter, str(voter)),
                class_name=kind.name if verified else None,
                verified=verified,
            )
            for voter, verified in verifications.take(pk)
        ]
        yield Record(
            image_name=names[image_id],
            class_name=kind.name,
            shape=shape,
            unique_identifier=str(identifier),
            deleted=deleted,
            concealed=concealed,
            blurred=blurred,
            description=description,
            meta_data=meta,
            score=score,
            votes=votes,
            user=usernames.get(user_id),
            last_editor=usernames.get(editor_id),
            time=time.isoformat() if time else None,
            last_edit_time=edited.isoformat() if edited else None,
        )


class _Grouped:
    """Rows ``(annotation_id, ...)`` ordered by id, handed out one annotation at a time."""

    def __init__(self, rows: Iterator[tuple[Any, ...]]) -> None:
        self._rows = rows
        self._next: tuple[Any, ...] | None = next(self._rows, None)

    def take(self, pk: int) -> list[tuple[Any, ...]]:
        while self._next is not None and self._next[0] < pk:
            self._next = next(self._rows, None)
        taken = []
        while self._next is not None and self._next[0] == pk:
            taken.append(self._next[1:])
            self._next = next(self._rows, None)
        return taken
