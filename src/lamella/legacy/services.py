"""Writes behind the legacy routes, each delegating to the owning app's services.

Permission checks happen in the views through :mod:`lamella.accounts.access`; these functions
assume the caller may act and keep EXACT's legacy semantics (auto-verify for the author, one
global label per type, upsert by ``unique_identifier``).
"""

import copy
import uuid
from typing import Any

from django.db import transaction

from lamella.accounts.models import Team
from lamella.annotations import services as annotation_services
from lamella.annotations.models import Annotation, AnnotationType, Product
from lamella.images import storage
from lamella.images.models import Image, ImageSet
from lamella.jobs.models import Plugin, PluginJob


class Conflict(Exception):
    """The write would duplicate something that must stay single (answered 400)."""


def create_annotation(
    *,
    user: Any,
    image: Image,
    annotation_type: AnnotationType,
    vector: Any,
    unique_identifier: uuid.UUID | None,
    fields: dict[str, Any],
) -> Annotation:
    """EXACT's legacy create, made safe for repeated sync.

    A global type (vector type 7) keeps one annotation per image (per user in competitive
    sets): an existing one is returned, restored if it was deleted. An existing
    ``unique_identifier`` on this image updates that annotation instead of failing, so a
    SlideRunner sync that is retried after a timeout does not duplicate. The author's own
    verification is added, as EXACT does.
    """
    with transaction.atomic():
        existing = None
        if annotation_type.vector_type == AnnotationType.VectorType.GLOBAL:
            existing = Annotation.objects.filter(image=image, annotation_type=annotation_type)
            if image.image_set.collaboration_type != ImageSet.CollaborationType.COLLABORATIVE:
                existing = existing.filter(user_id=user.pk)
            found = existing.order_by("id").first()
            if found is not None:
                if found.deleted:
                    annotation_services.restore_annotation(user=user, annotation=found)
                return found
        if unique_identifier is not None:
            annotation, _ = annotation_services.upsert_annotation(
                user=user,
                image=image,
                unique_identifier=unique_identifier,
                annotation_type=annotation_type,
                vector=vector,
                **fields,
            )
        else:
            annotation = annotation_services.create_annotation(
                user=user, image=image, annotation_type=annotation_type, vector=vector, **fields
            )
        annotation_services.verify_annotation(user=user, annotation=annotation, verified=True)
    return annotation


def update_annotation(*, user: Any, annotation: Annotation, changes: dict[str, Any]) -> Annotation:
    """Change the given fields and re-verify for the editor, as EXACT's legacy update does."""
    with transaction.atomic():
        annotation_services.update_annotation(user=user, annotation=annotation, **changes)
        annotation_services.verify_annotation(user=user, annotation=annotation, verified=True)
    return annotation


def verify(*, user: Any, annotation: Annotation, verified: bool) -> None:
    """Accept or reject ``annotation`` as ``user`` (one verdict per user)."""
    annotation_services.verify_annotation(user=user, annotation=annotation, verified=verified)


def delete_annotation(*, user: Any, annotation: Annotation, keep: bool) -> None:
    """Soft delete (``keep``) or remove the row."""
    if keep:
        annotation_services.soft_delete_annotation(user=user, annotation=annotation)
    else:
        annotation_services.delete_annotation(user=user, annotation=annotation)


def create_image_set(
    *, user: Any, team: Team, name: str, products: list[Product], **fields: Any
) -> ImageSet:
    """A new set in ``team`` with the given products attached."""
    if ImageSet.objects.filter(team=team, name=name).exists():
        raise Conflict(f"The team already has an image set named {name!r}.")
    with transaction.atomic():
        image_set = ImageSet.objects.create(team=team, creator=user, name=name, **fields)
        storage.ensure_set_path(image_set)
        for product in products:
            product.imagesets.add(image_set)
    return image_set


def add_product(*, image_set: ImageSet, product: Product) -> bool:
    """Attach ``product`` to ``image_set``; False when it was attached already."""
    if product.imagesets.filter(pk=image_set.pk).exists():
        return False
    product.imagesets.add(image_set)
    return True


def create_annotation_type(*, product: Product, name: str, **fields: Any) -> AnnotationType:
    """A new type of ``product``; a name taken in the product is a conflict."""
    if AnnotationType.objects.filter(product=product, name=name).exists():
        raise Conflict(f"The product already has an annotation type named {name!r}.")
    return AnnotationType.objects.create(product=product, name=name, **fields)


def delete_image(*, image: Image) -> None:
    """Delete the row (its annotations go with it), then its files once that is committed."""
    # A copy keeps the primary key the derived-files folder is named after; delete() clears it.
    files_of = copy.copy(image)
    with transaction.atomic():
        image.delete()
        transaction.on_commit(lambda: storage.remove_image_files(files_of))


def create_plugin_job(*, user: Any, image: Image, plugin: Plugin) -> PluginJob:
    """Queue ``plugin`` on ``image`` for the external plugin workers; one job per pair."""
    if PluginJob.objects.filter(image=image, plugin=plugin).exists():
        raise Conflict(f"Plugin {plugin.pk} already has a job for image {image.pk}.")
    return PluginJob.objects.create(image=image, plugin=plugin, creator=user)


def parse_fields(values: dict[str, Any]) -> dict[str, Any]:
    """Drop absent values so services keep their defaults."""
    return {key: value for key, value in values.items() if value is not None}
