"""Small factories for the fixed cast of users and the objects they own."""

import itertools
from typing import Any

from lamella.accounts.models import Team, TeamMembership, User
from lamella.annotations.models import AnnotationType, Product
from lamella.images.models import Image, ImageSet

_seq = itertools.count(1)
PASSWORD = "correct horse battery"


def make_user(username: str | None = None, **fields: Any) -> User:
    username = username or f"user{next(_seq)}"
    return User.objects.create_user(username=username, password=PASSWORD, **fields)


def make_team(*, admin: User | None = None, members: tuple[User, ...] = (), **fields: Any) -> Team:
    fields.setdefault("name", f"team-{next(_seq)}")
    team = Team.objects.create(**fields)
    if admin is not None:
        TeamMembership.objects.create(team=team, user=admin, is_admin=True)
    for member in members:
        TeamMembership.objects.create(team=team, user=member, is_admin=False)
    return team


def make_image_set(*, team: Team, creator: User | None = None, **fields: Any) -> ImageSet:
    fields.setdefault("name", f"set-{next(_seq)}")
    return ImageSet.objects.create(team=team, creator=creator, **fields)


def make_image(*, image_set: ImageSet, **fields: Any) -> Image:
    n = next(_seq)
    fields.setdefault("name", f"image-{n}.png")
    fields.setdefault("filename", fields["name"])
    fields.setdefault("width", 100_000)
    fields.setdefault("height", 80_000)
    return Image.objects.create(image_set=image_set, **fields)


def make_product(*, team: Team, image_sets: tuple[ImageSet, ...] = (), **fields: Any) -> Product:
    fields.setdefault("name", f"product-{next(_seq)}")
    product = Product.objects.create(team=team, **fields)
    product.imagesets.set(image_sets)
    return product


def make_annotation_type(
    *, product: Product, vector_type: int = 1, **fields: Any
) -> AnnotationType:
    fields.setdefault("name", f"type-{next(_seq)}")
    return AnnotationType.objects.create(product=product, vector_type=vector_type, **fields)
