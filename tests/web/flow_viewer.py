"""The mouse in the viewer: image pixels (y down) to page pixels and back, and one drawing of
each EXACT shape, returning the nodes that were drawn in image pixels."""

from collections.abc import Sequence
from typing import Any

from tests.web.flow_pages import wait_until_saved

Node = tuple[float, float]

# Where each shape goes, in fractions of the slide's width and height: apart, so that no
# click lands on an earlier drawing.
LAYOUT: dict[str, list[Node]] = {
    "mitosis": [(0.10, 0.08), (0.30, 0.18)],
    "cell": [(0.50, 0.12)],
    "nucleus": [(0.80, 0.12)],
    "tumour": [(0.15, 0.35), (0.45, 0.40), (0.25, 0.55)],
    "distance": [(0.60, 0.35), (0.85, 0.50)],
    "margin": [(0.10, 0.75), (0.35, 0.68), (0.55, 0.85)],
}
PACE_MS = 150  # between clicks, so that a click is not taken for part of a double-click


class Slide:
    """The viewer's map on ``page``: converts between page pixels and image pixels."""

    def __init__(self, page: Any, width: int, height: int) -> None:
        self.page = page
        self.width = width
        self.height = height
        box = page.locator("[data-role=map]").bounding_box()
        self.origin = (box["x"], box["y"])

    def to_page(self, l0_x: float, l0_y: float) -> Node:
        """The page pixel over image pixel (l0_x, l0_y), rounded as a mouse event would be."""
        px, py = self.page.evaluate(
            "(c) => window.lamellaViewer.map.getPixelFromCoordinate(c)", [l0_x, -l0_y]
        )
        return round(self.origin[0] + px), round(self.origin[1] + py)

    def to_image(self, page_xy: Node) -> Node:
        pixel = [page_xy[0] - self.origin[0], page_xy[1] - self.origin[1]]
        x, y = self.page.evaluate(
            "(p) => window.lamellaViewer.map.getCoordinateFromPixel(p)", pixel
        )
        return x, -y  # the map's y points up, the image's down

    def at(self, fraction: Node) -> Node:
        return self.to_page(fraction[0] * self.width, fraction[1] * self.height)

    def click(self, page_xy: Node) -> None:
        self.page.mouse.click(*page_xy)
        self.page.wait_for_timeout(PACE_MS)

    def drag(self, start: Node, end: Node) -> None:
        self.page.mouse.move(*start)
        self.page.mouse.down()
        self.page.mouse.move(*end, steps=8)
        self.page.mouse.up()


def pick(page: Any, type_id: int) -> None:
    page.click(f"button[data-type-id='{type_id}']")


def draw_every_shape(
    slide: Slide, type_ids: dict[str, int], default_size: int = 50
) -> dict[str, list[Node]]:
    """Draw one annotation per type with the mouse; the nodes EXACT should store for each,
    in image pixels (boxes as two corners, circles and fixed boxes as their bounding box)."""
    page = slide.page
    drawn: dict[str, list[Node]] = {}
    half = default_size / 2

    pick(page, type_ids["mitosis"])  # box: a drag from corner to corner
    start, end = (slide.at(n) for n in LAYOUT["mitosis"])
    slide.drag(start, end)
    drawn["mitosis"] = [slide.to_image(start), slide.to_image(end)]
    wait_until_saved(page)

    for name in ("cell", "nucleus"):  # fixed box and circle: one click, the default size
        pick(page, type_ids[name])
        where = slide.at(LAYOUT[name][0])
        slide.click(where)
        x, y = slide.to_image(where)
        drawn[name] = [(x - half, y - half), (x + half, y + half)]
        wait_until_saved(page)

    pick(page, type_ids["tumour"])  # polygon: clicks, then a click on the first node closes it
    nodes = [slide.at(n) for n in LAYOUT["tumour"]]
    for node in [*nodes, nodes[0]]:
        slide.click(node)
    drawn["tumour"] = [slide.to_image(n) for n in nodes]
    wait_until_saved(page)

    pick(page, type_ids["distance"])  # line: two clicks end it
    nodes = [slide.at(n) for n in LAYOUT["distance"]]
    for node in nodes:
        slide.click(node)
    drawn["distance"] = [slide.to_image(n) for n in nodes]
    wait_until_saved(page)

    pick(page, type_ids["margin"])  # multi-line: clicks, then a click on the last node ends it
    nodes = [slide.at(n) for n in LAYOUT["margin"]]
    for node in [*nodes, nodes[-1]]:
        slide.click(node)
    drawn["margin"] = [slide.to_image(n) for n in nodes]
    wait_until_saved(page)

    pick(page, type_ids["good quality"])  # image-level label: its palette button is all
    drawn["good quality"] = []
    wait_until_saved(page)
    page.keyboard.press("Escape")  # back to the select tool
    return drawn


def nodes_of(vector: dict[str, Any]) -> list[Node]:
    """The (x, y) nodes of an EXACT vector, in order."""
    nodes: list[Node] = []
    while f"x{len(nodes) + 1}" in vector:
        index = len(nodes) + 1
        nodes.append((float(vector[f"x{index}"]), float(vector[f"y{index}"])))
    return nodes


def near(saved: Sequence[Node], drawn: Sequence[Node], tolerance: float = 2.0) -> bool:
    """Whether two node lists match, node by node, within ``tolerance`` image pixels."""
    return len(saved) == len(drawn) and all(
        abs(a[0] - b[0]) <= tolerance and abs(a[1] - b[1]) <= tolerance
        for a, b in zip(saved, drawn, strict=True)
    )
