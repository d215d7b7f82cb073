"""The fixed cast: owner (set creator), team admin, member, outsider, anonymous."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from lamella.accounts.models import Team, User
from lamella.images.models import Image, ImageSet
from tests import factories

TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata"


def testdata(relative: str) -> Path:
    """A file of ../shared/testdata, or skip the test with the reason."""
    path = TESTDATA / relative
    if not path.exists():
        pytest.skip(f"{path} is absent: ../shared/testdata is not beside this clone")
    return path


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """PBKDF2 costs ~0.4 s per user on this machine and the cast makes four users per test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Cast:
    owner: User
    admin: User
    member: User
    outsider: User
    anonymous: AnonymousUser
    team: Team
    image_set: ImageSet
    image: Image


@pytest.fixture
def cast(db: None) -> Cast:
    owner = factories.make_user("owner")
    admin = factories.make_user("teamadmin")
    member = factories.make_user("member")
    outsider = factories.make_user("outsider")
    team = factories.make_team(admin=admin, members=(owner, member))
    image_set = factories.make_image_set(team=team, creator=owner)
    image = factories.make_image(image_set=image_set)
    return Cast(owner, admin, member, outsider, AnonymousUser(), team, image_set, image)
