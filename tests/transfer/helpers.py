"""Shared helpers of the import/export tests: image sets shaped after a file, DB snapshots."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from lamella.accounts.models import Team
from lamella.annotations.models import Annotation, AnnotationType, Product, Verification
from lamella.images.models import Image, ImageSet
from tests import factories


def sliderunner_set(team: Team, path: Path, owner: Any) -> ImageSet:
    """An image set with one image per slide of a SlideRunner file, with its name and size."""
    image_set = factories.make_image_set(team=team, creator=owner)
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as connection:
        slides = connection.execute("SELECT filename, width, height FROM Slides").fetchall()
    # CMC_TUPAC names several slides alike (one per fold): one image per name, sized as the
    # file says unless its rows disagree
    known: dict[str, set[tuple[int, int]]] = {}
    for name, width, height in slides:
        known.setdefault(name, set()).add((width or 0, height or 0))
    sizes = {name: next(iter(s)) if len(s) == 1 else (0, 0) for name, s in known.items()}
    Image.objects.bulk_create(
        Image(
            image_set=image_set,
            name=name,
            filename=name,
            width=width or 1_000_000,
            height=height or 1_000_000,
        )
        for name, (width, height) in sizes.items()
    )
    return image_set


def set_with_images(
    team: Team, owner: Any, sizes: dict[str, tuple[int, int]], **fields: Any
) -> ImageSet:
    """An image set holding images of these names and sizes."""
    image_set = factories.make_image_set(team=team, creator=owner, **fields)
    Image.objects.bulk_create(
        Image(image_set=image_set, name=name, filename=name, width=w, height=h)
        for name, (w, h) in sizes.items()
    )
    return image_set


def class_counts(image_set: ImageSet) -> Counter[str]:
    """Annotations per type name in the set."""
    names = Annotation.objects.filter(image__image_set=image_set).values_list(
        "annotation_type__name", flat=True
    )
    return Counter(names)


def row_counts() -> dict[str, int]:
    """Rows of every table an import may write, to prove a failed one wrote nothing."""
    return {
        "annotations": Annotation.objects.count(),
        "types": AnnotationType.objects.count(),
        "products": Product.objects.count(),
        "verifications": Verification.objects.count(),
    }


def snapshot(image_set: ImageSet, *, with_uuid: bool = True) -> Counter[tuple[Any, ...]]:
    """Each annotation as (image, type, rounded bbox, uuid): geometry compared within 1 px."""
    rows = Annotation.objects.filter(image__image_set=image_set, deleted=False).values_list(
        "image__name",
        "annotation_type__name",
        "x_min",
        "y_min",
        "x_max",
        "y_max",
        "unique_identifier",
    )
    return Counter(
        (
            image,
            kind,
            *(None if v is None else round(v) for v in box),
            str(identifier) if with_uuid else None,
        )
        for image, kind, *box, identifier in rows
    )


def vectors(image_set: ImageSet) -> dict[str, tuple[str, Any]]:
    """uuid -> (type name, vector) of every annotation of the set."""
    return {
        str(identifier): (kind, vector)
        for identifier, kind, vector in Annotation.objects.filter(
            image__image_set=image_set
        ).values_list("unique_identifier", "annotation_type__name", "vector")
    }


def close(a: Any, b: Any, tolerance: float = 1.0) -> bool:
    """Two vectors with the same keys and every coordinate within ``tolerance`` pixels."""
    if a is None or b is None:
        return a is b
    if set(a) - {"frame"} != set(b) - {"frame"}:
        return False
    return all(abs(float(a[k]) - float(b[k])) <= tolerance for k in a if k != "frame")
