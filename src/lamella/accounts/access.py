"""One access helper per noun: the object if the user may act on it, else 404 or 403.

404 when the user may not read the object (its existence is not revealed), 403 when they may
read it but not take ``action``. Every view and API endpoint fetches through these.
"""

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404

from lamella.accounts.policy import Action, get_perms, team_role

if TYPE_CHECKING:
    from lamella.accounts.models import Team
    from lamella.annotations.models import Annotation
    from lamella.images.models import Image, ImageSet

M = TypeVar("M", bound=Model)


def _by_pk(queryset: "QuerySet[M]", pk: Any, noun: str) -> M:
    try:
        found = queryset.filter(pk=pk).first()
    except (ValueError, TypeError) as exc:  # "abc" for an integer key
        raise Http404(f"No such {noun}.") from exc
    if found is None:
        raise Http404(f"No such {noun}.")
    return found


def _check(user: Any, image_set: "ImageSet", action: Action | str, noun: str) -> None:
    perms = get_perms(user, image_set)
    if Action.READ not in perms:
        raise Http404(f"No such {noun}.")
    if Action(action) not in perms:
        raise PermissionDenied(f"You may not {Action(action).value.replace('_', ' ')} here.")


def get_image_set_for_user(user: Any, pk: Any, action: Action | str = Action.READ) -> "ImageSet":
    """The image set ``pk`` if ``user`` may take ``action`` on it."""
    from lamella.images.models import ImageSet

    image_set = _by_pk(ImageSet.objects.all(), pk, "image set")
    _check(user, image_set, action, "image set")
    return image_set


def get_image_for_user(user: Any, pk: Any, action: Action | str = Action.READ) -> "Image":
    """The image ``pk`` if ``user`` may take ``action`` on its image set."""
    from lamella.images.models import Image

    image = _by_pk(Image.objects.select_related("image_set"), pk, "image")
    _check(user, image.image_set, action, "image")
    return image


def get_annotation_for_user(user: Any, pk: Any, action: Action | str = Action.READ) -> "Annotation":
    """The annotation ``pk`` if ``user`` may take ``action`` on the image set it belongs to."""
    from lamella.annotations.models import Annotation

    related = Annotation.objects.select_related("image__image_set", "annotation_type")
    annotation = _by_pk(related, pk, "annotation")
    _check(user, annotation.image.image_set, action, "annotation")
    return annotation


def get_team_for_user(user: Any, pk: Any, *, manage: bool = False) -> "Team":
    """The team ``pk`` if ``user`` is a member (or superuser); ``manage`` needs a team admin.

    Teams are not image sets, so the actions of the policy do not apply: members see their team,
    admins manage it (EXACT's user_management), everybody else gets 404.
    """
    from lamella.accounts.models import Team

    team = _by_pk(Team.objects.all(), pk, "team")
    if getattr(user, "is_authenticated", False) and user.is_superuser:
        return team
    role = team_role(user, team.pk)
    if role is None:
        raise Http404("No such team.")
    if manage and role != "admin":
        raise PermissionDenied("Only a team admin may manage this team.")
    return team
