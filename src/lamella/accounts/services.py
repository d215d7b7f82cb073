"""Writes on teams: create a team, add and remove members, make or unmake admins.

The caller has checked that the acting user may manage the team (``access.get_team_for_user``
with ``manage=True``); these functions guard the team's own invariants: a username must exist,
nobody is in a team twice, and a team never loses its last admin.
"""

from typing import Any

from django.db import IntegrityError, transaction

from lamella.accounts.models import Team, TeamMembership, User


class TeamError(ValueError):
    """A team change refused, with a message for people."""


@transaction.atomic
def create_team(*, user: Any, name: str, website: str = "") -> Team:
    """Create a team with ``user`` as its first admin."""
    name = name.strip()
    if Team.objects.filter(name__iexact=name).exists():
        raise TeamError(f"A team named {name!r} exists already.")
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name, website=website)
            TeamMembership.objects.create(team=team, user=user, is_admin=True)
    except IntegrityError as error:  # a concurrent create of the same name
        raise TeamError(f"A team named {name!r} exists already.") from error
    return team


def add_member(*, team: Team, username: str, is_admin: bool = False) -> TeamMembership:
    """Add the user called ``username`` to ``team``."""
    user = User.objects.filter(username=username.strip()).first()
    if user is None:
        raise TeamError(f"There is no user called {username.strip()!r}.")
    if TeamMembership.objects.filter(team=team, user=user).exists():
        raise TeamError(f"{user.username} is in {team.name} already.")
    try:
        with transaction.atomic():
            return TeamMembership.objects.create(team=team, user=user, is_admin=is_admin)
    except IntegrityError as error:
        raise TeamError(f"{user.username} is in {team.name} already.") from error


def _membership(team: Team, user_id: int) -> TeamMembership:
    membership = TeamMembership.objects.filter(team=team, user_id=user_id).first()
    if membership is None:
        raise TeamError("That user is not in this team.")
    return membership


def _guard_last_admin(team: Team, membership: TeamMembership) -> None:
    if (
        membership.is_admin
        and not team.memberships.filter(is_admin=True).exclude(pk=membership.pk).exists()
    ):
        raise TeamError("A team needs at least one admin: make someone else admin first.")


@transaction.atomic
def remove_member(*, team: Team, user_id: int) -> User:
    """Remove a member (not the last admin); returns the removed user."""
    membership = _membership(team, user_id)
    _guard_last_admin(team, membership)
    user: User = membership.user
    membership.delete()
    return user


@transaction.atomic
def set_admin(*, team: Team, user_id: int, is_admin: bool) -> TeamMembership:
    """Make a member admin, or an admin a plain member (not the last admin)."""
    membership = _membership(team, user_id)
    if not is_admin:
        _guard_last_admin(team, membership)
    membership.is_admin = is_admin
    membership.save(update_fields=["is_admin"])
    return membership
