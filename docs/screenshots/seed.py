"""The data behind the screenshots: a team, a set holding CMU-1-Small-Region, a product with
several annotation types, a few dozen annotations placed on the slide's nuclei, and part of
them verified by a colleague. Written through Lamella's services, as the pages would.

Needs Django set up (``make_screenshots.py`` does that against a throwaway data dir)."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The part of the slide the viewer shot shows, in level-0 pixels (x0, y0, x1, y1): the
# epidermis beside a keratin-filled cavity, with many nuclei on its left.
REGION = (800, 1000, 1900, 1900)
NUCLEI_REGION = (830, 1020, 1290, 1880)
PASSWORD = "lamella-screenshots"

TYPES = [  # name, vector type, colour, default size, keyboard shortcut
    ("mitotic figure", 1, "#E0301E", 40, "m"),
    ("nucleus", 2, "#2CA02C", 28, "n"),
    ("lymphocyte", 6, "#1F77B4", 30, "l"),
    ("keratin", 5, "#F2B701", 50, "k"),
    ("basal layer", 4, "#17BECF", 50, "b"),
    ("thickness", 3, "#FF7F0E", 50, "t"),
    ("good quality", 7, "#8C564B", 50, "g"),
]
KERATIN = [
    (1285, 1150), (1420, 1060), (1600, 1090), (1700, 1290), (1640, 1440), (1480, 1590),
    (1410, 1790), (1320, 1830), (1260, 1650), (1245, 1400),
]  # fmt: skip
BASAL_LAYER = [(1010, 1900), (1050, 1720), (1095, 1520), (1140, 1330), (1175, 1150), (1190, 1000)]
THICKNESS = [(1130, 1430), (1330, 1400)]


@dataclass
class Seeded:
    image_id: int
    set_id: int
    verify_type_id: int


def dark_spots(slide: Path, count: int, spacing: int = 34) -> list[tuple[int, int]]:
    """The ``count`` darkest spots of NUCLEI_REGION at least ``spacing`` pixels apart: the
    haematoxylin-stained nuclei, found without any library beyond numpy."""
    from lamella.slides.opener import open_slide

    x0, y0, x1, y1 = NUCLEI_REGION
    with open_slide(slide) as reader:
        rgb = reader.read_region((x0, y0), 0, (x1 - x0, y1 - y0))[..., :3].astype(np.float32)
    grey = rgb.mean(axis=2)
    step = 4  # a 4x4 mean: single dark pixels do not count, nuclei do
    h, w = grey.shape[0] // step, grey.shape[1] // step
    blurred = grey[: h * step, : w * step].reshape(h, step, w, step).mean(axis=(1, 3))
    spots: list[tuple[int, int]] = []
    radius = spacing // step
    for _ in range(count):
        row, col = np.unravel_index(int(np.argmin(blurred)), blurred.shape)
        spots.append((x0 + int(col) * step + step // 2, y0 + int(row) * step + step // 2))
        blurred[
            max(row - radius, 0) : row + radius + 1, max(col - radius, 0) : col + radius + 1
        ] = 255
    return spots


def nodes(points: list[tuple[int, int]]) -> dict[str, int]:
    vector: dict[str, int] = {}
    for index, (x, y) in enumerate(points, start=1):
        vector[f"x{index}"], vector[f"y{index}"] = x, y
    return vector


def around(x: int, y: int, side: int) -> dict[str, int]:
    return nodes([(x - side // 2, y - side // 2), (x + side // 2, y + side // 2)])


def seed(slide: Path) -> Seeded:
    """Create everything; returns the ids the screenshots open."""
    from lamella.accounts import services as accounts
    from lamella.accounts.models import User
    from lamella.annotations import services as annotations
    from lamella.annotations import services_products as products
    from lamella.annotations.models import Annotation
    from lamella.images import services as images
    from lamella.images import services_sets as sets

    pathologist = User.objects.create_user("pathologist", password=PASSWORD, first_name="Ada")
    colleague = User.objects.create_user("colleague", password=PASSWORD, first_name="Ben")
    team = accounts.create_team(user=pathologist, name="Dermatopathology")
    accounts.add_member(team=team, username=colleague.username)
    image_set = sets.create_image_set(
        user=pathologist, team=team, name="Skin biopsies", description="H&E, 20x."
    )
    product = products.create_product(user=pathologist, team=team, name="Skin findings")
    kinds = {}
    for order, (name, vector_type, colour, size, key) in enumerate(TYPES):
        kinds[name] = products.create_annotation_type(
            product=product,
            name=name,
            vector_type=vector_type,
            color_code=colour,
            default_width=size,
            default_height=size,
            sort_order=order,
            keyboard_shortcut=key,
            closed=vector_type not in (3, 4),
        )
    sets.set_products(image_set=image_set, products=[product])
    (image,) = images.upload_images(
        user=pathologist, image_set=image_set, files=[(slide.name, slide)]
    )

    def add(name: str, vector: dict[str, int], user: User = pathologist) -> Annotation:
        return annotations.create_annotation(
            user=user, image=image, annotation_type=kinds[name], vector=vector
        )

    spots = dark_spots(slide, 36)
    for x, y in spots[:5]:
        add("mitotic figure", around(x, y, 40))
    nuclei = [add("nucleus", around(x, y, 26)) for x, y in spots[5:29]]
    for x, y in spots[29:]:
        add("lymphocyte", around(x, y, 30), colleague)
    add("keratin", nodes(KERATIN))
    add("basal layer", nodes(BASAL_LAYER))
    add("thickness", nodes(THICKNESS))
    add("good quality", {"frame": 1})
    # The colleague is part-way through the nuclei: seven accepted, two rejected.
    for index, nucleus in enumerate(nuclei[:9]):
        annotations.verify_annotation(user=colleague, annotation=nucleus, verified=index % 4 != 3)
    return Seeded(image.pk, image_set.pk, kinds["nucleus"].pk)
