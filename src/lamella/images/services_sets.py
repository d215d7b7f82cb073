"""Writes on image sets: create, update, delete, tags and attached products.

The caller has checked the policy (team membership to create, ``EDIT_SET`` to change,
``DELETE_SET`` to delete); these functions keep names unique per team and files in step.
"""

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from lamella.accounts.models import Team
from lamella.annotations.models import Product
from lamella.images import storage
from lamella.images.models import ImageSet, SetTag

#: The fields a page may change on a set (EXACT's editable ImageSet fields).
EDITABLE = frozenset(
    {
        "name",
        "description",
        "location",
        "public",
        "public_collaboration",
        "image_lock",
        "priority",
        "collaboration_type",
        "main_annotation_type",
    }
)


class ImageSetError(ValueError):
    """A set change refused, with a message for people."""


def _name_taken(team: Team | None, name: str, exclude: int | None = None) -> bool:
    others = ImageSet.objects.filter(team=team, name=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    return others.exists()


def create_image_set(*, user: Any, team: Team, name: str, **fields: Any) -> ImageSet:
    """A new set of ``team`` created by ``user``; ``fields`` from ``EDITABLE``."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ImageSetError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    if _name_taken(team, name):
        raise ImageSetError(f"{team.name} has a set named {name!r} already.")
    try:
        with transaction.atomic():
            image_set = ImageSet.objects.create(team=team, creator=user, name=name, **fields)
    except IntegrityError as error:
        raise ImageSetError(f"{team.name} has a set named {name!r} already.") from error
    storage.ensure_set_path(image_set)
    return image_set


def update_image_set(*, image_set: ImageSet, **fields: Any) -> ImageSet:
    """Change the ``EDITABLE`` fields given."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ImageSetError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    name = fields.get("name", image_set.name)
    if _name_taken(image_set.team, name, exclude=image_set.pk):
        raise ImageSetError(f"This team has a set named {name!r} already.")
    for key, value in fields.items():
        setattr(image_set, key, value)
    if not image_set.public:
        # Collaboration by the public needs a public set; keep the flags consistent.
        image_set.public_collaboration = False
    image_set.save(update_fields=sorted(set(fields) | {"public_collaboration"}))
    return image_set


def delete_image_set(*, image_set: ImageSet) -> None:
    """Delete the set, its images and annotations, then its files."""
    folder = storage.set_dir(image_set)
    with transaction.atomic():
        image_set.delete()
    # Files last: a failed delete in the database must not lose the originals.
    storage.remove_tree(folder)


def parse_tags(text: str) -> list[str]:
    """Tag names from a comma separated text, trimmed, without empties and duplicates."""
    seen: dict[str, None] = {}
    for raw in text.split(","):
        name = raw.strip()
        if name:
            seen.setdefault(name[:100], None)
    return list(seen)


@transaction.atomic
def set_tags(*, image_set: ImageSet, names: Iterable[str]) -> list[SetTag]:
    """Replace the set's tags by ``names`` (tags are shared between sets, created on demand)."""
    tags = [SetTag.objects.get_or_create(name=name)[0] for name in names]
    image_set.set_tags.set(tags)
    return tags


@transaction.atomic
def set_products(*, image_set: ImageSet, products: Iterable[Product]) -> None:
    """Attach exactly ``products`` to the set (the caller limits them to the set's team)."""
    image_set.product_set.set(list(products))
