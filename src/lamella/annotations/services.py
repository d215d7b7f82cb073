"""Every write to an annotation: validated, in one transaction, with an append-only history row.

The bbox columns and ``frame`` come from :mod:`lamella.annotations.geometry`; a vector that does
not fit its annotation type raises :class:`~lamella.annotations.geometry.VectorError` before
anything is written. ``user`` is the acting user: creator on create, ``last_editor`` always.
"""

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from lamella.annotations import bulk
from lamella.annotations.geometry import Extent, VectorError, validate_vector
from lamella.annotations.models import Annotation, AnnotationHistory, AnnotationType, Verification
from lamella.images.models import Image

__all__ = [
    "AnnotationInputError",
    "VectorError",
    "bulk_create_annotations",
    "create_annotation",
    "delete_annotation",
    "restore_annotation",
    "soft_delete_annotation",
    "update_annotation",
    "upsert_annotation",
    "verify_annotation",
]

# Fields update_annotation accepts, mapped to the model attribute each one sets.
UPDATABLE = {
    "vector": "vector",
    "annotation_type": "annotation_type",
    "deleted": "deleted",
    "description": "description",
    "meta_data": "meta_data",
    "concealed": "_concealed",
    "blurred": "_blurred",
    "generated": "generated",
    "score": "score",
    "time": "time",
    "last_edit_time": "last_edit_time",
    "unique_identifier": "unique_identifier",
}


class AnnotationInputError(ValueError):
    """Input that is not a vector problem: an unknown type or image, a duplicate identifier."""


def _actor(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def extent_for(vector: Any, annotation_type: AnnotationType, image: Image) -> Extent:
    """Validate ``vector`` for ``annotation_type`` on ``image`` and return its frame and bbox."""
    return validate_vector(
        vector,
        annotation_type.vector_type,
        width=image.width or None,
        height=image.height or None,
        node_count=annotation_type.node_count,
    )


def _apply_extent(annotation: Annotation, extent: Extent) -> None:
    annotation.frame = extent.frame
    annotation.x_min, annotation.y_min = extent.x_min, extent.y_min
    annotation.x_max, annotation.y_max = extent.x_max, extent.y_max


def _record(annotation: Annotation, action: str, user: Any, when: datetime) -> AnnotationHistory:
    return AnnotationHistory.objects.create(
        annotation_id=annotation.pk,
        image_id_snapshot=annotation.image_id,
        action=action,
        user=_actor(user),
        time=when,
        annotation_type_id_snapshot=annotation.annotation_type_id,
        vector=annotation.vector,
        deleted=annotation.deleted,
        description=annotation.description,
        meta_data=annotation.meta_data,
    )


def create_annotation(
    *,
    user: Any,
    image: Image,
    annotation_type: AnnotationType,
    vector: Any,
    unique_identifier: uuid.UUID | str | None = None,
    deleted: bool = False,
    description: str = "",
    meta_data: Any = None,
    concealed: bool = False,
    blurred: bool = False,
    generated: bool = False,
    score: float | None = None,
    time: datetime | None = None,
    last_edit_time: datetime | None = None,
) -> Annotation:
    """Create one annotation; ``time``/``last_edit_time`` may be given, as EXACT clients do."""
    extent = extent_for(vector, annotation_type, image)
    now = timezone.now()
    annotation = Annotation(
        image=image,
        annotation_type=annotation_type,
        vector=vector,
        unique_identifier=unique_identifier or uuid.uuid4(),
        deleted=deleted,
        description=description,
        meta_data=meta_data,
        _concealed=concealed,
        _blurred=blurred,
        generated=generated,
        score=score,
        time=time or now,
        last_edit_time=last_edit_time or now,
        user=_actor(user),
        last_editor=_actor(user),
    )
    _apply_extent(annotation, extent)
    try:
        with transaction.atomic():
            annotation.save(force_insert=True)
            _record(annotation, AnnotationHistory.Action.CREATE, user, now)
    except IntegrityError as exc:
        raise AnnotationInputError(
            f"an annotation with unique_identifier {annotation.unique_identifier} already exists"
            " on this image"
        ) from exc
    return annotation


def update_annotation(*, user: Any, annotation: Annotation, **changes: Any) -> Annotation:
    """Change only the given fields (names as in :func:`create_annotation`).

    A new vector or type recomputes frame and bbox. A change of ``deleted`` is recorded as a
    delete or restore, anything else as an update.
    """
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"update_annotation() got unknown fields: {', '.join(sorted(unknown))}")
    annotation_type = changes.get("annotation_type", annotation.annotation_type)
    vector = changes.get("vector", annotation.vector)
    fields = {UPDATABLE[name] for name in changes}
    if "vector" in changes or "annotation_type" in changes:
        _apply_extent(annotation, extent_for(vector, annotation_type, annotation.image))
        fields |= {"frame", "x_min", "y_min", "x_max", "y_max"}
    was_deleted = annotation.deleted
    now = timezone.now()
    for name, value in changes.items():
        setattr(annotation, UPDATABLE[name], value)
    if "last_edit_time" not in changes or changes["last_edit_time"] is None:
        annotation.last_edit_time = now
    annotation.last_editor = _actor(user)
    fields |= {"last_edit_time", "last_editor"}
    action = AnnotationHistory.Action.UPDATE
    if annotation.deleted != was_deleted:
        action = (
            AnnotationHistory.Action.DELETE
            if annotation.deleted
            else (AnnotationHistory.Action.RESTORE)
        )
    try:
        with transaction.atomic():
            annotation.save(update_fields=sorted(fields))
            _record(annotation, action, user, now)
    except IntegrityError as exc:
        raise AnnotationInputError(
            f"an annotation with unique_identifier {annotation.unique_identifier} already exists"
            " on this image"
        ) from exc
    return annotation


def soft_delete_annotation(*, user: Any, annotation: Annotation) -> Annotation:
    """Mark deleted (EXACT's PATCH ``deleted: true``); the row and its geometry stay."""
    return update_annotation(user=user, annotation=annotation, deleted=True)


def restore_annotation(*, user: Any, annotation: Annotation) -> Annotation:
    """Undo a soft delete."""
    return update_annotation(user=user, annotation=annotation, deleted=False)


def delete_annotation(*, user: Any, annotation: Annotation) -> None:
    """Delete the row for good; its history stays, ending with a ``delete`` entry."""
    with transaction.atomic():
        annotation.deleted = True
        _record(annotation, AnnotationHistory.Action.DELETE, user, timezone.now())
        annotation.delete()


def upsert_annotation(
    *,
    user: Any,
    image: Image,
    unique_identifier: uuid.UUID | str,
    annotation_type: AnnotationType,
    vector: Any,
    **fields: Any,
) -> tuple[Annotation, bool]:
    """EXACT's v1 create: update the annotation with this (image, unique_identifier), or create it.

    Returns ``(annotation, created)``.
    """
    with transaction.atomic():
        existing = (
            Annotation.objects.select_for_update()
            .filter(image=image, unique_identifier=unique_identifier)
            .first()
        )
        if existing is None:
            created = create_annotation(
                user=user,
                image=image,
                annotation_type=annotation_type,
                vector=vector,
                unique_identifier=unique_identifier,
                **fields,
            )
            return created, True
        existing.image = image
        updated = update_annotation(
            user=user,
            annotation=existing,
            annotation_type=annotation_type,
            vector=vector,
            **fields,
        )
        return updated, False


def verify_annotation(*, user: Any, annotation: Annotation, verified: bool) -> Verification:
    """Accept (``True``) or reject an annotation; one per user, a later call replaces it."""
    with transaction.atomic():
        verification, _ = Verification.objects.update_or_create(
            annotation=annotation, user=user, defaults={"verified": verified}
        )
    return verification


def bulk_create_annotations(
    *,
    user: Any,
    items: Sequence[Mapping[str, Any]],
    image: Image | None = None,
    return_annotations: bool = True,
) -> list[Annotation]:
    """Create many annotations and their history in one transaction: all or nothing.

    Each item takes the keyword arguments of :func:`create_annotation`; ``image`` and
    ``annotation_type`` may be objects or given as ``image_id``/``annotation_type_id``, and
    ``image`` defaults to the ``image`` argument. Every vector is validated before anything is
    written; a :class:`VectorError` names the item. SQLite and PostgreSQL take a fast path
    (``executemany`` / ``COPY``). With ``return_annotations=False`` nothing is returned, which
    spares building a million model objects after an import.
    """
    try:
        with transaction.atomic():
            rows = bulk.create_rows(user=_actor(user), items=items, image=image)
    except IntegrityError as exc:
        raise AnnotationInputError(
            f"could not store the annotations ({exc}); is a unique_identifier used twice?"
        ) from exc
    return bulk.to_annotations(rows) if return_annotations else []
