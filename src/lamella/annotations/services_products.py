"""Writes on products and their annotation types, for the management pages.

The caller has checked team membership. Names are unique per team (products) and per product
(types); a type that annotations use cannot be deleted (they would lose their class).
"""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from lamella.accounts.models import Team
from lamella.annotations.models import AnnotationType, Product

TYPE_FIELDS = frozenset(
    {
        "name",
        "vector_type",
        "color_code",
        "default_width",
        "default_height",
        "sort_order",
        "keyboard_shortcut",
        "closed",
        "multi_frame",
        "active",
        "enable_concealed",
        "enable_blurred",
        "area_hit_test",
        "node_count",
    }
)


class ProductError(ValueError):
    """A product or type change refused, with a message for people."""


def _save(instance: Product | AnnotationType, message: str) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        raise ProductError(message) from error


def create_product(*, user: Any, team: Team, name: str, description: str = "") -> Product:
    """A new product of ``team``."""
    product = Product(team=team, creator=user, name=name, description=description)
    _save(product, f"{team.name} has a product named {name!r} already.")
    return product


def update_product(*, product: Product, name: str, description: str) -> Product:
    product.name, product.description = name, description
    _save(product, f"This team has a product named {name!r} already.")
    return product


def delete_product(*, product: Product) -> None:
    """Delete a product and its types, unless annotations use one of them."""
    try:
        with transaction.atomic():
            product.delete()
    except ProtectedError as error:
        raise ProductError(
            f"{product.name} has annotation types in use by annotations; delete those first."
        ) from error


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - TYPE_FIELDS
    if unknown:
        raise ProductError(f"Unknown fields: {', '.join(sorted(unknown))}.")


def _check_shortcut(product: Product, key: str, exclude: int | None) -> None:
    if not key:
        return
    # A key picks one type in the viewer's palette: it must be unique among the product's sets.
    clash = AnnotationType.objects.filter(
        product__imagesets__in=product.imagesets.all(), keyboard_shortcut=key
    )
    clash = clash | AnnotationType.objects.filter(product=product, keyboard_shortcut=key)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    other = clash.first()
    if other is not None:
        raise ProductError(f"The key {key!r} is taken by {other.name} already.")


def create_annotation_type(*, product: Product, **fields: Any) -> AnnotationType:
    """A new annotation type of ``product``; ``fields`` from ``TYPE_FIELDS``."""
    _check_fields(fields)
    _check_shortcut(product, fields.get("keyboard_shortcut", ""), None)
    annotation_type = AnnotationType(product=product, **fields)
    _save(annotation_type, f"{product.name} has a type named {fields.get('name')!r} already.")
    return annotation_type


def update_annotation_type(*, annotation_type: AnnotationType, **fields: Any) -> AnnotationType:
    _check_fields(fields)
    product = annotation_type.product
    if product is not None:
        _check_shortcut(product, fields.get("keyboard_shortcut", ""), annotation_type.pk)
    for key, value in fields.items():
        setattr(annotation_type, key, value)
    _save(annotation_type, f"This product has a type named {fields.get('name')!r} already.")
    return annotation_type


def delete_annotation_type(*, annotation_type: AnnotationType) -> None:
    try:
        with transaction.atomic():
            annotation_type.delete()
    except ProtectedError as error:
        raise ProductError(
            f"Annotations use {annotation_type.name}; it cannot be deleted (make it inactive)."
        ) from error
