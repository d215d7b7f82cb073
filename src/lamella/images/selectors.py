"""Reads of image sets for pages; writes live in ``services.py``."""

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from lamella.accounts.policy import readable_image_sets
from lamella.annotations.models import Annotation
from lamella.images.models import Image, ImageSet


def _count_per_set(queryset: QuerySet[Any], set_field: str) -> Coalesce:
    """A correlated ``COUNT`` of ``queryset`` rows per outer image set, 0 when there are none.

    A subquery per column instead of ``Count`` over joins: joining images and annotations
    at once would multiply rows, and ``distinct`` over a million annotations is slower.
    """
    counted = (
        queryset.filter(**{set_field: OuterRef("pk")})
        .order_by()
        .values(set_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def image_sets_for_dashboard(user: Any) -> QuerySet[ImageSet]:
    """The sets ``user`` may read, high priority first then by name, each annotated with
    ``image_count`` and ``annotation_count`` (deleted annotations not counted)."""
    return (
        readable_image_sets(user)
        .select_related("team")
        .annotate(
            image_count=_count_per_set(Image.objects.all(), "image_set"),
            annotation_count=_count_per_set(
                Annotation.objects.filter(deleted=False), "image__image_set"
            ),
        )
        .order_by("-priority", "name", "id")
    )
