"""The one permission policy: what a user may do with an image set (EXACT's ``get_perms``).

Every write, in the API and in pages, asks this module. Roles come from the set's team
(admin or member), the set's creator, and the set's public flags. Superusers may do everything.
"""

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

if TYPE_CHECKING:
    from lamella.images.models import ImageSet


class Action(StrEnum):
    READ = "read"
    ANNOTATE = "annotate"
    VERIFY = "verify"
    EDIT_ANNOTATION = "edit_annotation"
    DELETE_ANNOTATION = "delete_annotation"
    EDIT_SET = "edit_set"
    DELETE_SET = "delete_set"
    DELETE_IMAGES = "delete_images"
    CREATE_EXPORT = "create_export"
    DELETE_EXPORT = "delete_export"


ALL_ACTIONS = frozenset(Action)
TEAM_ADMIN_ACTIONS = ALL_ACTIONS
TEAM_MEMBER_ACTIONS = ALL_ACTIONS - {Action.DELETE_SET, Action.DELETE_IMAGES}
PUBLIC_ACTIONS = frozenset({Action.READ, Action.CREATE_EXPORT})
PUBLIC_COLLABORATION_ACTIONS = PUBLIC_ACTIONS | {
    Action.ANNOTATE,
    Action.VERIFY,
    Action.EDIT_ANNOTATION,
    Action.DELETE_ANNOTATION,
}


def team_role(user: Any, team_id: int | None) -> str | None:
    """'admin', 'member' or None for the user's membership in a team."""
    if team_id is None or not getattr(user, "is_authenticated", False):
        return None
    from lamella.accounts.models import TeamMembership

    is_admin = (
        TeamMembership.objects.filter(team_id=team_id, user_id=user.pk)
        .values_list("is_admin", flat=True)
        .first()
    )
    if is_admin is None:
        return None
    return "admin" if is_admin else "member"


def perms_for(
    *,
    is_superuser: bool,
    is_authenticated: bool,
    role: str | None,
    is_creator: bool,
    public: bool,
    public_collaboration: bool,
) -> frozenset[Action]:
    """The actions allowed, from already known facts; pure, so lists can compute it per row."""
    if is_superuser or is_creator:
        return ALL_ACTIONS
    actions: frozenset[Action] = frozenset()
    if role == "admin":
        actions |= TEAM_ADMIN_ACTIONS
    elif role == "member":
        actions |= TEAM_MEMBER_ACTIONS
    if public:
        actions |= PUBLIC_ACTIONS
        if public_collaboration and is_authenticated:
            actions |= PUBLIC_COLLABORATION_ACTIONS
    return actions


def get_perms(user: Any, image_set: "ImageSet") -> frozenset[Action]:
    """Every action ``user`` may take on ``image_set``."""
    authenticated = bool(getattr(user, "is_authenticated", False))
    return perms_for(
        is_superuser=authenticated and user.is_superuser,
        is_authenticated=authenticated,
        role=team_role(user, image_set.team_id),
        is_creator=authenticated and image_set.creator_id == user.pk,
        public=image_set.public,
        public_collaboration=image_set.public_collaboration,
    )


def can(user: Any, image_set: "ImageSet", action: Action | str) -> bool:
    return Action(action) in get_perms(user, image_set)


def readable_set_filter(user: Any, prefix: str = "") -> Q:
    """A Q object selecting the image sets ``user`` may read; ``prefix`` reaches them via joins,
    e.g. ``prefix="image__image_set__"`` for annotations."""
    public = Q(**{f"{prefix}public": True})
    if not getattr(user, "is_authenticated", False):
        return public
    if user.is_superuser:
        return Q()
    member = Q(**{f"{prefix}team__memberships__user_id": user.pk})
    creator = Q(**{f"{prefix}creator_id": user.pk})
    return public | member | creator


def readable_image_sets(user: Any) -> "QuerySet[ImageSet]":
    from lamella.images.models import ImageSet

    base = ImageSet.objects.all()
    if getattr(user, "is_authenticated", False) and user.is_superuser:
        return base
    ids = ImageSet.objects.filter(readable_set_filter(user)).values("id")
    return base.filter(id__in=ids)


def team_ids_of(user: Any, *, admin_only: bool = False) -> Iterable[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    from lamella.accounts.models import TeamMembership

    memberships = TeamMembership.objects.filter(user_id=user.pk)
    if admin_only:
        memberships = memberships.filter(is_admin=True)
    return list(memberships.values_list("team_id", flat=True))
