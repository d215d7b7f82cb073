"""Reads for the team, image set, product, export and account pages.

Every list is one query (or one per related list via ``prefetch_related``), however long it is,
so page query counts stay flat.
"""

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from lamella.accounts.models import PersonalAccessToken, Team, TeamMembership
from lamella.accounts.policy import readable_image_sets
from lamella.annotations.models import Annotation, AnnotationType, Product
from lamella.images.models import Image, ImageSet
from lamella.images.selectors import image_sets_for_dashboard


def teams_of(user: Any) -> QuerySet[TeamMembership]:
    """The user's memberships with the team and its member count, by team name."""
    return (
        TeamMembership.objects.filter(user_id=user.pk)
        .select_related("team")
        .annotate(member_count=Count("team__memberships"))
        .order_by("team__name", "team_id")
    )


def members_of(team: Team) -> QuerySet[TeamMembership]:
    """The team's memberships with their users, admins first then by username."""
    return team.memberships.select_related("user").order_by("-is_admin", "user__username")


def sets_of_team(team: Team, user: Any) -> QuerySet[ImageSet]:
    """The team's sets the user may read, with image and annotation counts."""
    return image_sets_for_dashboard(user).filter(team=team)


def products_of_team(team: Team) -> QuerySet[Product]:
    """The team's products with their types (in palette order) and attached sets."""
    types = AnnotationType.objects.order_by("sort_order", "id")
    return (
        Product.objects.filter(team=team)
        .prefetch_related(Prefetch("annotationtype_set", queryset=types), "imagesets")
        .order_by("name", "id")
    )


def types_of_product(product: Product) -> QuerySet[AnnotationType]:
    return AnnotationType.objects.filter(product=product).order_by("sort_order", "id")


def images_of_set(image_set: ImageSet) -> QuerySet[Image]:
    """The set's images for the grid (the heavy metadata column left out)."""
    return (
        Image.objects.filter(image_set=image_set)
        .defer("metadata", "checksum")
        .order_by("name", "id")
    )


def ingest_states(image_set: ImageSet) -> list[dict[str, Any]]:
    """Each image's ingest state, for the page's auto-refresh."""
    rows = Image.objects.filter(image_set=image_set).order_by("id")
    fields = ("id", "ingest_state", "ingest_progress", "ingest_error")
    return [dict(row) for row in rows.values(*fields)]


def type_statistics(image_set: ImageSet) -> list[dict[str, Any]]:
    """Per annotation type: its colour, the set's live annotations and how many are verified."""
    verified = Count("id", filter=Q(verifications__verified=True), distinct=True)
    rows = (
        Annotation.objects.filter(image__image_set=image_set, deleted=False)
        .values("annotation_type_id", "annotation_type__name", "annotation_type__color_code")
        .annotate(total=Count("id", distinct=True), verified=verified)
        .order_by("annotation_type__sort_order", "annotation_type_id")
    )
    return [
        {
            "name": row["annotation_type__name"],
            "color": row["annotation_type__color_code"],
            "total": row["total"],
            "verified": row["verified"],
        }
        for row in rows
    ]


def verification_totals(stats: list[dict[str, Any]]) -> dict[str, int]:
    """All annotations of ``type_statistics``, the verified ones and their whole percentage."""
    total = sum(row["total"] for row in stats)
    verified = sum(row["verified"] for row in stats)
    return {
        "total": total,
        "verified": verified,
        "percent": 100 * verified // total if total else 0,
    }


def set_details(pk: int) -> QuerySet[ImageSet]:
    """The set with team, tags and products loaded, for its page."""
    return (
        ImageSet.objects.filter(pk=pk)
        .select_related("team", "creator", "main_annotation_type")
        .prefetch_related("set_tags", "product_set")
    )


def exportable_sets(user: Any) -> QuerySet[ImageSet]:
    """The sets the user may read, by team and name, for the exports page."""
    return readable_image_sets(user).select_related("team").order_by("team__name", "name", "id")


def tokens_of(user: Any) -> QuerySet[PersonalAccessToken]:
    """The user's tokens, newest first."""
    return PersonalAccessToken.objects.filter(user_id=user.pk).order_by("-created_at", "-id")
