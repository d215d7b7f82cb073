"""A small, fully linked world for fuzzing: every endpoint has rows to find.

Used by the pytest fuzz run (inside the test database) and by ``benchmarks/fuzz_api.py``
(inside a throw-away data dir), so both fuzz the same shapes of data.
"""

from dataclasses import dataclass

from lamella.accounts.models import User
from lamella.annotations import services
from lamella.annotations.models import Annotation
from lamella.api.tokens import issue_token
from tests import factories

MEMBER = "fuzz-member"
PASSWORD = factories.PASSWORD


@dataclass(frozen=True)
class World:
    """The users and rows :func:`seed` made."""

    member: User
    outsider: User
    annotations: tuple[Annotation, ...]
    #: A Bearer token of ``member``: Basic auth costs a password hash (~1 s) per request.
    member_token: str


def seed() -> World:
    """A team (admin, member), a private and a public set, products, types, images, annotations."""
    owner = factories.make_user("fuzz-owner")
    member = factories.make_user(MEMBER)
    outsider = factories.make_user("fuzz-outsider")
    team = factories.make_team(admin=owner, members=(member,))
    other_team = factories.make_team(admin=outsider)
    private = factories.make_image_set(team=team, creator=owner)
    public = factories.make_image_set(team=other_team, creator=outsider, public=True)
    product = factories.make_product(team=team, image_sets=(private,))
    box = factories.make_annotation_type(product=product, vector_type=1, name="cell")
    polygon = factories.make_annotation_type(product=product, vector_type=5, name="region")
    image = factories.make_image(image_set=private, width=2000, height=1500)
    factories.make_image(image_set=public, width=500, height=500)
    annotations = []
    for index in range(5):
        vector = {"x1": 10 + index, "y1": 10, "x2": 60 + index, "y2": 70}
        annotations.append(
            services.create_annotation(user=member, image=image, annotation_type=box, vector=vector)
        )
    triangle = {"x1": 100, "y1": 100, "x2": 200, "y2": 100, "x3": 150, "y3": 180}
    annotations.append(
        services.create_annotation(
            user=owner, image=image, annotation_type=polygon, vector=triangle
        )
    )
    services.verify_annotation(user=member, annotation=annotations[0], verified=True)
    _, token = issue_token(user=member, name="fuzz")
    return World(
        member=member, outsider=outsider, annotations=tuple(annotations), member_token=token
    )
