"""What the page views share: rendering a refused form, and the team role of the user."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lamella.accounts.policy import team_role


def render_invalid(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The page again with its form's errors, answered 400: bad input is the client's error."""
    return render(request, template, context, status=400)


def is_team_admin(user: Any, team_id: int | None) -> bool:
    """Whether ``user`` manages the team (its admins and superusers)."""
    if getattr(user, "is_superuser", False):
        return True
    return team_role(user, team_id) == "admin"
