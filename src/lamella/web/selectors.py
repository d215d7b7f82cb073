"""Reads for the pages that belong to no single domain app."""

from typing import Any

from django.db.models import QuerySet

from lamella.accounts.models import TeamMembership


def memberships_for_dashboard(user: Any) -> QuerySet[TeamMembership]:
    """The user's team memberships with their teams, ordered by team name."""
    return (
        TeamMembership.objects.filter(user_id=user.pk)
        .select_related("team")
        .order_by("team__name", "team_id")
    )
