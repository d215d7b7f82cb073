"""import -> export -> import keeps image, type, geometry (within 1 px) and uuid where kept."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from lamella.annotations.models import Annotation
from lamella.annotations.services import bulk_create_annotations
from lamella.annotations.transfer import export_annotations, import_annotations
from lamella.images.models import Image, ImageSet
from tests import factories
from tests.conftest import Cast, testdata
from tests.transfer.helpers import close, set_with_images, sliderunner_set, snapshot, vectors

SIZES = {"slide-a.tiff": (10_000, 8_000), "slide-b.tiff": (12_000, 9_000)}
EVERY_SHAPE = {
    "box": (1, {"x1": 100, "y1": 120, "x2": 400, "y2": 380}),
    "point": (2, {"x1": 975, "y1": 975, "x2": 1025, "y2": 1025}),
    "line": (3, {"x1": 10, "y1": 20, "x2": 300, "y2": 420}),
    "multiline": (4, {"x1": 10, "y1": 20, "x2": 300, "y2": 420, "x3": 500, "y3": 40}),
    "polygon": (5, {"x1": 600, "y1": 600, "x2": 900, "y2": 650, "x3": 750, "y3": 990}),
    "fixed": (6, {"x1": 2000, "y1": 2000, "x2": 2050, "y2": 2050}),
    "global": (7, {}),
}
# Which shapes each format holds, and whether it keeps the unique identifier.
HOLDS: dict[str, tuple[set[str], bool]] = {
    "exact": (set(EVERY_SHAPE), True),
    "csv": (set(EVERY_SHAPE), True),
    "coco": (set(EVERY_SHAPE), True),
    "geojson": (set(EVERY_SHAPE) - {"global"}, True),
    "wkt": (set(EVERY_SHAPE) - {"global"}, True),
    "asap": (set(EVERY_SHAPE) - {"global"}, False),
    "sliderunner": (set(EVERY_SHAPE) - {"line", "multiline"}, True),
    "midog": ({"box", "point", "fixed"}, False),
    "dicom": (set(EVERY_SHAPE) - {"global"}, False),
}
SINGLE_IMAGE = {"asap", "geojson", "dicom"}
SUFFIX = {"sliderunner": ".sqlite", "dicom": ".dcm", "asap": ".xml", "geojson": ".geojson"}


def generated_set(cast: Cast, shapes: set[str], *, images: int) -> ImageSet:
    """A set with one type per shape and one annotation of each on each image."""
    sizes = dict(list(SIZES.items())[:images])
    image_set = set_with_images(cast.team, cast.owner, sizes)
    product = factories.make_product(team=cast.team, image_sets=(image_set,))
    items: list[dict[str, Any]] = []
    for name in sorted(shapes):
        vector_type, vector = EVERY_SHAPE[name]
        kind = factories.make_annotation_type(product=product, vector_type=vector_type, name=name)
        for image in Image.objects.filter(image_set=image_set):
            items.append(
                {
                    "image": image,
                    "annotation_type": kind,
                    "vector": dict(vector),
                    "unique_identifier": uuid.uuid4(),
                }
            )
    bulk_create_annotations(user=cast.owner, items=items, return_annotations=False)
    return image_set


def export_and_import(
    cast: Cast, source: ImageSet, fmt: str, folder: Path, *, types_from: ImageSet | None = None
) -> ImageSet:
    """Export ``source`` in ``fmt`` and import the file into a fresh set with the same images."""
    image = Image.objects.filter(image_set=source).first() if fmt in SINGLE_IMAGE else None
    stem = image.name.rsplit(".", 1)[0] if image else f"set-{source.pk}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}{SUFFIX.get(fmt, '.txt')}"
    export_annotations(user=cast.owner, image_set=source, format=fmt, out=path, image=image)
    sizes = {i.name: (i.width, i.height) for i in Image.objects.filter(image_set=source)}
    target = set_with_images(cast.team, cast.owner, sizes)
    if types_from is not None:
        for product in types_from.product_set.all():
            product.imagesets.add(target)
    forced = Image.objects.get(image_set=target, name=image.name) if image else None
    import_annotations(
        user=cast.owner, image_set=target, path=path, format=fmt, image=forced, create_types=True
    )
    return target


@pytest.mark.parametrize("fmt", sorted(HOLDS))
def test_a_generated_set_with_every_shape_survives_import_export_import(
    cast: Cast, fmt: str, tmp_path: Path
) -> None:
    shapes, keeps_uuid = HOLDS[fmt]
    source = generated_set(cast, shapes, images=1 if fmt in SINGLE_IMAGE else 2)

    first = export_and_import(cast, source, fmt, tmp_path / "1", types_from=source)
    second = export_and_import(cast, first, fmt, tmp_path / "2", types_from=source)

    expected = snapshot(source, with_uuid=keeps_uuid)
    assert snapshot(first, with_uuid=keeps_uuid) == expected
    assert snapshot(second, with_uuid=keeps_uuid) == expected
    if keeps_uuid:
        before, after = vectors(source), vectors(second)
        assert all(
            after[key][0] == kind and close(after[key][1], vector)
            for key, (kind, vector) in before.items()
        )


@pytest.fixture
def folders(tmp_path: Path) -> Path:
    for name in ("1", "2"):
        (tmp_path / name).mkdir()
    return tmp_path


def midog_slice(path: Path, target: Path, images: int = 60) -> Path:
    """The real MIDOG++ file cut to its first images (the whole file is imported elsewhere;
    twice over here would make this file slow)."""
    data = json.loads(path.read_text())
    kept = {image["id"] for image in data["images"][:images]}
    data["images"] = data["images"][:images]
    data["annotations"] = [a for a in data["annotations"] if a["image_id"] in kept]
    target.write_text(json.dumps(data))
    return target


@pytest.mark.parametrize(
    ("fmt", "relative"),
    [
        ("sliderunner", "sliderunner-sqlite/MITOS2014.sqlite"),
        ("sliderunner", "sliderunner-sqlite/SlideRunner_demo.sqlite"),
        ("midog", "midogpp-json/MIDOG++.json"),
        ("asap", "asap-xml/TCGA-G9-6378-01A-01-BS1_tissue.xml"),
        ("dicom", "dicom-wsi/sm_annotations.dcm"),
    ],
)
def test_a_real_file_survives_import_export_import(
    cast: Cast, fmt: str, relative: str, folders: Path
) -> None:
    path = testdata(relative)
    if fmt == "midog":
        path = midog_slice(path, folders / "MIDOG++.json")
    if fmt == "sliderunner":
        source = sliderunner_set(cast.team, path, cast.owner)
    else:
        stem = path.stem
        sizes = {f"{stem}.tif": (200_000, 200_000)} if fmt in SINGLE_IMAGE else {}
        if fmt == "midog":
            from lamella.interop import midog

            sizes = midog.parse(path).images
        source = set_with_images(cast.team, cast.owner, sizes)
    image = Image.objects.filter(image_set=source).first() if fmt == "dicom" else None
    import_annotations(user=cast.owner, image_set=source, path=path, image=image, create_types=True)

    again = export_and_import(cast, source, fmt, folders / "1", types_from=source)

    keeps_uuid = HOLDS[fmt][1]
    assert Annotation.objects.filter(image__image_set=again).count() > 0
    assert snapshot(again, with_uuid=keeps_uuid) == snapshot(source, with_uuid=keeps_uuid)
