"""Matching what a file names to what the database holds: images, classes, coordinate scale.

Images match by exact name first, then by stem (``a.tiff`` in the file finds ``a.svs`` in the
set, as SlideRunner and ASAP files name the slide by another extension). Classes match the
annotation types of the set's products by name, preferring a type whose vector type fits the
record's shape; a missing one is created on request. When the file says an image is of another
size than the database's (annotations drawn on another pyramid level), coordinates are scaled.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from lamella.annotations.models import AnnotationType, Product
from lamella.images.models import Image, ImageSet
from lamella.interop.model import ClassInfo, Record, VectorType, colour_rgb

#: Sizes within this relative difference are the same image (scanners round differently).
SCALE_TOLERANCE = 0.01
#: Vector types that hold any two-node box: a point is the box of its circle.
_BOX_LIKE = {VectorType.BOUNDING_BOX, VectorType.POINT, VectorType.FIXED_SIZE_BOUNDING_BOX}
#: Where an imported type goes when the set has no product yet.
IMPORT_PRODUCT = "Imported"
_NAMESPACE = uuid.UUID("5b6f7f0e-6c1a-4c55-9d38-2f5c1e4a6b10")
_CANONICAL_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


class MatchError(ValueError):
    """A record that cannot be matched; ``problem`` says why."""


def stem(name: str) -> str:
    """A file name without directories and its last suffix (``x/a.b.svs`` -> ``a.b``)."""
    return PurePath(name.replace("\\", "/")).stem


def as_uuid_hex(value: str | None) -> str | None:
    """``value`` as a UUID's 32 hex digits; any other identifier maps to a stable UUID derived
    from it."""
    if value is None or value == "":
        return None
    if type(value) is str and _CANONICAL_UUID.fullmatch(value):  # the usual spelling: no object
        return value.replace("-", "").lower()
    try:
        return uuid.UUID(str(value)).hex
    except ValueError:
        # A file's own ids (integers, names) keep a stable identity across re-imports.
        return uuid.uuid5(_NAMESPACE, str(value)).hex


@dataclass(frozen=True)
class Target:
    """The image a record lands on and the scale from file to level-0 database pixels."""

    image_id: int
    name: str
    scale_x: float = 1.0
    scale_y: float = 1.0

    @property
    def scaled(self) -> bool:
        return (self.scale_x, self.scale_y) != (1.0, 1.0)


class ImageMatcher:
    """Finds the set's image for each image name of a file (one query, then a dict)."""

    def __init__(
        self, image_set: ImageSet, *, image: Image | None, sizes: dict[str, tuple[int, int]]
    ) -> None:
        self._forced = image
        self._sizes = sizes
        self._by_name: dict[str, Image] = {}
        by_stem: dict[str, list[Image]] = {}
        for found in Image.objects.filter(image_set=image_set).only(
            "id", "name", "width", "height"
        ):
            self._by_name.setdefault(found.name, found)
            by_stem.setdefault(stem(found.name), []).append(found)
        # an ambiguous stem (a.svs and a.tiff) matches nothing rather than the wrong one
        self._by_stem = {key: images[0] for key, images in by_stem.items() if len(images) == 1}
        self._cache: dict[str, Target] = {}

    def target(self, name: str) -> Target:
        """The target of image ``name``; :class:`MatchError` when the set has no such image."""
        cached = self._cache.get(name)
        if cached is not None:
            return cached
        image = (
            self._forced
            or self._by_name.get(name)
            or self._by_stem.get(name)  # a single-image file named after the slide's stem
            or self._by_stem.get(stem(name))
        )
        if image is None:
            raise MatchError(f"image {name!r} is not in the image set")
        found = Target(image.pk, image.name, *self._scale(name, image))
        self._cache[name] = found
        return found

    def _scale(self, name: str, image: Image) -> tuple[float, float]:
        size = self._sizes.get(name)
        if not size or not size[0] or not size[1] or not image.width or not image.height:
            return 1.0, 1.0
        scale_x, scale_y = image.width / size[0], image.height / size[1]
        if abs(scale_x - 1) <= SCALE_TOLERANCE and abs(scale_y - 1) <= SCALE_TOLERANCE:
            return 1.0, 1.0
        return scale_x, scale_y


def scale_vector(vector: dict[str, Any], target: Target) -> dict[str, Any]:
    """``vector`` with every x multiplied by ``scale_x`` and every y by ``scale_y``."""
    scaled: dict[str, Any] = {}
    for key, value in vector.items():
        if key.startswith("x"):
            scaled[key] = round(value * target.scale_x, 3)
        elif key.startswith("y"):
            scaled[key] = round(value * target.scale_y, 3)
        else:
            scaled[key] = value
    return scaled


def fits(vector_type: int, kind: int | None) -> bool:
    """Whether a shape of ``kind`` can be stored under a type of ``vector_type``."""
    if kind is None or vector_type == kind or vector_type == VectorType.SEGMENTATION:
        return True
    if vector_type in _BOX_LIKE and kind in _BOX_LIKE:
        return True
    # a polygon or line is a multi-line too; the node count is checked when rows are prepared
    return vector_type == VectorType.MULTI_LINE and kind in (VectorType.LINE, VectorType.POLYGON)


class TypeMatcher:
    """Finds (or creates, when allowed) the annotation type of each record's class."""

    def __init__(
        self, image_set: ImageSet, *, classes: dict[str, ClassInfo], create: bool, user: Any
    ) -> None:
        self._set = image_set
        self._classes = classes
        self._create = create
        self._user = user if getattr(user, "is_authenticated", False) else None
        self._types: dict[str, list[AnnotationType]] = {}
        for found in AnnotationType.objects.filter(product__imagesets=image_set).order_by(
            "product_id", "sort_order", "id"
        ):
            self._types.setdefault(found.name, []).append(found)
        self._cache: dict[tuple[str, int | None], AnnotationType] = {}
        self.matched: set[str] = set()
        self.created: list[str] = []

    def use_classes(self, classes: dict[str, ClassInfo]) -> None:
        """The file's classes (colours, vector types) for the types made on the way; the dict
        may still grow while the records stream."""
        self._classes = classes

    def vector_types(self) -> dict[str, int]:
        """Class name -> vector type of the set's types (for formats that do not say)."""
        return {name: types[0].vector_type for name, types in self._types.items()}

    def known(self, record: Record) -> bool:
        """Whether :meth:`type_for` answers ``record`` without a query."""
        return (record.class_name, record.shape.vector_type) in self._cache

    def type_for(self, record: Record) -> AnnotationType:
        """The type of ``record``; :class:`MatchError` when there is none and none may be made."""
        kind = record.shape.vector_type
        key = (record.class_name, kind)
        found = self._cache.get(key)
        if found is not None:
            return found
        candidates = self._types.get(record.class_name, [])
        exact = [t for t in candidates if t.vector_type == kind]
        usable = exact or [t for t in candidates if fits(t.vector_type, kind)]
        if usable:
            found = usable[0]
            self.matched.add(found.name)
        elif not self._create:
            raise MatchError(self._missing(record.class_name, kind, bool(candidates)))
        else:
            found = self._new_type(record)
        self._cache[key] = found
        return found

    def _missing(self, name: str, kind: int | None, exists: bool) -> str:
        if exists:
            label = VectorType(kind).name.lower() if kind else "shape"
            return f"the annotation type {name!r} cannot hold a {label}"
        return f"the class {name!r} is not an annotation type of this image set (use create_types)"

    def _new_type(self, record: Record) -> AnnotationType:
        info = self._classes.get(record.class_name) or ClassInfo(record.class_name)
        kind = record.shape.kind or info.vector_type or VectorType.BOUNDING_BOX
        product = self._product_without(record.class_name, int(kind))
        colour = info.colour if colour_rgb(info.colour) and len(info.colour or "") == 7 else None
        fields: dict[str, Any] = {"color_code": colour.upper()} if colour else {}
        if kind == VectorType.POINT:
            # EXACT draws points at the type's default size: keep the file's
            size = max(1, round(record.shape.radius() * 2))
            fields.update(default_width=size, default_height=size)
        created = AnnotationType.objects.create(
            name=record.class_name[:50],
            vector_type=int(kind),
            product=product,
            closed=kind not in (VectorType.LINE, VectorType.MULTI_LINE),
            sort_order=sum(len(v) for v in self._types.values()),
            **fields,
        )
        self._types.setdefault(record.class_name, []).append(created)
        self.created.append(f"{created.name} ({VectorType(kind).name.lower()})")
        return created

    def _product_without(self, name: str, kind: int) -> Product:
        """A product of the set with no type called ``name`` (type names are unique per
        product), made when needed: a class with points and polygons needs two types."""
        taken = {t.product_id for t in self._types.get(name, [])}
        for product in Product.objects.filter(imagesets=self._set).order_by("id"):
            if product.pk not in taken:
                return product
        base = IMPORT_PRODUCT if not taken else f"{IMPORT_PRODUCT} {VectorType(kind).name.lower()}"
        product_name = f"{base} ({self._set.name})"[:100]
        product, _ = Product.objects.get_or_create(
            name=product_name, team=self._set.team, defaults={"creator": self._user}
        )
        product.imagesets.add(self._set)
        return product
