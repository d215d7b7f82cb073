"""Set-based reads for the legacy routes: a fixed number of queries whatever the row count."""

from collections import defaultdict
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from lamella.accounts.policy import readable_image_sets, team_ids_of
from lamella.annotations.models import (
    Annotation,
    AnnotationMediaFile,
    AnnotationType,
    Product,
    Verification,
)
from lamella.images.models import Image, ImageSet
from lamella.legacy.serializers import annotation_to_dict

ROW_FIELDS = (
    "id",
    "vector",
    "last_edit_time",
    "deleted",
    "description",
    "unique_identifier",
    "meta_data",
    "image_id",
    "image__name",
    "user_id",
    "user__username",
    "last_editor_id",
    "last_editor__username",
    "annotation_type_id",
    "annotation_type__name",
    "annotation_type__closed",
    "annotation_type__vector_type",
    "annotation_type__color_code",
    "annotation_type__multi_frame",
    "annotation_type__area_hit_test",
)


def annotation_dicts(queryset: "QuerySet[Annotation]") -> list[dict[str, Any]]:
    """The nested legacy dicts of ``queryset``'s annotations, in three queries at most."""
    verified = Verification.objects.filter(annotation=OuterRef("pk"), verified=True)
    rows = list(
        queryset.annotate(is_verified=Exists(verified))
        .order_by("id")
        .values(*ROW_FIELDS, "is_verified")
    )
    if not rows:
        return []
    media: dict[int, list[dict[str, Any]]] = defaultdict(list)
    # Media files are rare: one query over the same annotations, not one per row.
    files = AnnotationMediaFile.objects.filter(annotation__in=queryset.values("id"))
    for media_file in files.order_by("id"):
        media[media_file.annotation_id].append(
            {
                "name": media_file.name,
                "id": media_file.pk,
                "file": media_file.file.url if media_file.file.name else None,
                "media_file_type": media_file.media_file_type,
            }
        )
    return [annotation_to_dict(row, media.get(row["id"], ())) for row in rows]


def annotations_to_load(
    *,
    user: Any,
    image: Image,
    include_deleted: bool = False,
    vector_type: int | None = None,
) -> "QuerySet[Annotation]":
    """What ``annotation/load`` returns: active types only; a competitive set shows each user
    their own annotations, as EXACT does."""
    queryset = Annotation.objects.filter(image=image, annotation_type__active=True)
    if image.image_set.collaboration_type == ImageSet.CollaborationType.COMPETITIVE:
        queryset = queryset.filter(user_id=getattr(user, "pk", None) or 0)
    if not include_deleted:
        queryset = queryset.filter(deleted=False)
    if vector_type is not None:
        queryset = queryset.filter(annotation_type__vector_type=vector_type)
    return queryset


def one_annotation(pk: int) -> dict[str, Any]:
    """The legacy dict of one annotation (after a write)."""
    return annotation_dicts(Annotation.objects.filter(pk=pk))[0]


def image_sets(user: Any) -> "QuerySet[ImageSet]":
    """Readable image sets with everything ``imageset_to_dict`` touches prefetched."""
    return (
        readable_image_sets(user)
        .select_related("team", "main_annotation_type")
        .prefetch_related(
            Prefetch(
                "images",
                queryset=Image.objects.only(
                    "id",
                    "name",
                    "height",
                    "width",
                    "mpp",
                    "objectivePower",
                    "image_type",
                    "image_set_id",
                ).order_by("name", "id"),
            ),
            Prefetch(
                "product_set", queryset=Product.objects.prefetch_related("annotationtype_set")
            ),
            "set_tags",
        )
    )


def annotation_types_for(user: Any, image_set: ImageSet | None) -> "QuerySet[AnnotationType]":
    """Active types of a set's products; without a set, of every product the user can see."""
    types = AnnotationType.objects.filter(active=True)
    if image_set is not None:
        return types.filter(product__imagesets=image_set).distinct().order_by("sort_order", "id")
    if getattr(user, "is_authenticated", False) and user.is_superuser:
        return types.order_by("sort_order", "id")
    visible = Q(product__team_id__in=list(team_ids_of(user))) | Q(
        product__imagesets__in=readable_image_sets(user)
    )
    return types.filter(visible).distinct().order_by("sort_order", "id")


def type_for_image_set(type_id: int, image_set: ImageSet) -> AnnotationType | None:
    """The type ``type_id`` if it belongs to a product of the set or of the set's team."""
    owned = Q(product__imagesets=image_set)
    if image_set.team_id is not None:
        owned |= Q(product__team_id=image_set.team_id)
    return AnnotationType.objects.filter(owned, pk=type_id).select_related("product").first()
