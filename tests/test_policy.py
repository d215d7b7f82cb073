"""The permission policy (EXACT's get_perms) and the access helpers built on it (404 vs 403)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from pytest_django.fixtures import Settings

from lamella.accounts import access
from lamella.accounts.policy import Action, can, get_perms
from lamella.annotations.services import create_annotation
from tests import factories
from tests.conftest import Cast

ALL = set(Action)
R, ANN, VER = Action.READ, Action.ANNOTATE, Action.VERIFY
EDIT_A, DEL_A = Action.EDIT_ANNOTATION, Action.DELETE_ANNOTATION
EDIT_S, DEL_S, DEL_I = Action.EDIT_SET, Action.DELETE_SET, Action.DELETE_IMAGES
EXP, DEL_EXP = Action.CREATE_EXPORT, Action.DELETE_EXPORT

MEMBER = {R, ANN, VER, EDIT_A, DEL_A, EDIT_S, EXP, DEL_EXP}
PUBLIC = {R, EXP}
COLLABORATION = {R, EXP, ANN, VER, EDIT_A, DEL_A}

# (role, set mode) -> the actions allowed, written out rather than derived from the policy.
EXPECTED: dict[tuple[str, str], set[Action]] = {
    ("owner", "private"): ALL,
    ("owner", "public"): ALL,
    ("owner", "collaboration"): ALL,
    ("admin", "private"): ALL,
    ("admin", "public"): ALL,
    ("admin", "collaboration"): ALL,
    ("member", "private"): MEMBER,
    ("member", "public"): MEMBER,
    ("member", "collaboration"): MEMBER,
    ("superuser", "private"): ALL,
    ("superuser", "public"): ALL,
    ("superuser", "collaboration"): ALL,
    ("outsider", "private"): set(),
    ("outsider", "public"): PUBLIC,
    ("outsider", "collaboration"): COLLABORATION,
    ("anonymous", "private"): set(),
    ("anonymous", "public"): PUBLIC,
    ("anonymous", "collaboration"): PUBLIC,
}
MODES = {
    "private": {"public": False, "public_collaboration": False},
    "public": {"public": True, "public_collaboration": False},
    "collaboration": {"public": True, "public_collaboration": True},
}


@pytest.fixture(autouse=True)
def fast_passwords(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def user_of(cast: Cast, role: str) -> object:
    if role == "superuser":
        return factories.make_user("root", is_superuser=True, is_staff=True)
    return getattr(cast, role)


def set_mode(cast: Cast, mode: str) -> None:
    for name, value in MODES[mode].items():
        setattr(cast.image_set, name, value)
    cast.image_set.save()


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("role", ["owner", "admin", "member", "outsider", "anonymous", "superuser"])
def test_each_role_may_take_exactly_the_actions_of_the_table(
    cast: Cast, role: str, mode: str, action: Action
) -> None:
    set_mode(cast, mode)
    assert can(user_of(cast, role), cast.image_set, action) == (action in EXPECTED[(role, mode)])


@pytest.mark.parametrize(("role", "mode"), list(EXPECTED))
def test_get_perms_returns_the_whole_row_of_the_table(cast: Cast, role: str, mode: str) -> None:
    set_mode(cast, mode)
    assert get_perms(user_of(cast, role), cast.image_set) == EXPECTED[(role, mode)]


def test_a_set_without_a_team_gives_its_creator_everything_and_others_nothing(cast: Cast) -> None:
    lone = factories.make_image_set(team=factories.make_team(), creator=cast.outsider)
    assert get_perms(cast.outsider, lone) == ALL
    assert get_perms(cast.member, lone) == set()


# Access helpers: 404 for what the user may not read, 403 for what they may read but not do.


def test_an_outsider_gets_404_for_a_private_set(cast: Cast) -> None:
    with pytest.raises(Http404):
        access.get_image_set_for_user(cast.outsider, cast.image_set.pk, Action.READ)


def test_an_outsider_gets_403_when_deleting_a_public_set(cast: Cast) -> None:
    set_mode(cast, "public")
    with pytest.raises(PermissionDenied):
        access.get_image_set_for_user(cast.outsider, cast.image_set.pk, Action.DELETE_SET)


def test_a_member_gets_the_set_to_annotate_but_403_to_delete_it(cast: Cast) -> None:
    assert access.get_image_set_for_user(cast.member, cast.image_set.pk, Action.ANNOTATE) == (
        cast.image_set
    )
    with pytest.raises(PermissionDenied):
        access.get_image_set_for_user(cast.member, cast.image_set.pk, Action.DELETE_SET)


def test_a_missing_or_malformed_key_is_404_not_500(cast: Cast) -> None:
    for pk in (999_999, "abc", None):
        with pytest.raises(Http404):
            access.get_image_set_for_user(cast.owner, pk)


def test_images_follow_the_permissions_of_their_set(cast: Cast) -> None:
    assert access.get_image_for_user(cast.admin, cast.image.pk, Action.DELETE_IMAGES) == cast.image
    with pytest.raises(PermissionDenied):
        access.get_image_for_user(cast.member, cast.image.pk, Action.DELETE_IMAGES)
    with pytest.raises(Http404):
        access.get_image_for_user(cast.anonymous, cast.image.pk)


def test_annotations_follow_the_permissions_of_their_set(cast: Cast) -> None:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    kind = factories.make_annotation_type(product=product)
    annotation = create_annotation(
        user=cast.member,
        image=cast.image,
        annotation_type=kind,
        vector={"x1": 1, "y1": 1, "x2": 9, "y2": 9},
    )
    found = access.get_annotation_for_user(cast.member, annotation.pk, Action.EDIT_ANNOTATION)
    assert found == annotation
    with pytest.raises(Http404):
        access.get_annotation_for_user(cast.outsider, annotation.pk)
    set_mode(cast, "public")
    assert access.get_annotation_for_user(cast.outsider, annotation.pk) == annotation
    with pytest.raises(PermissionDenied):
        access.get_annotation_for_user(cast.outsider, annotation.pk, Action.EDIT_ANNOTATION)


def test_a_team_is_visible_to_members_and_managed_by_admins(cast: Cast) -> None:
    assert access.get_team_for_user(cast.member, cast.team.pk) == cast.team
    assert access.get_team_for_user(cast.admin, cast.team.pk, manage=True) == cast.team
    with pytest.raises(PermissionDenied):
        access.get_team_for_user(cast.member, cast.team.pk, manage=True)
    for stranger in (cast.outsider, cast.anonymous):
        with pytest.raises(Http404):
            access.get_team_for_user(stranger, cast.team.pk)
