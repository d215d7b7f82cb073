"""The viewer in Chromium: log in, open a generated slide, draw a box and a polygon with the
mouse, and find them saved with the geometry that was drawn; on a z-stack, the frame slider
and channel controls change the tiles and drawings keep their frame."""

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
import tifffile

from lamella.annotations.models import Annotation
from lamella.images.models import Image
from tests import factories
from tests.browser import CHROMIUM, launched_chromium
from tests.conftest import Cast
from tests.images.helpers import data_dir, upload_and_ingest, write_jpeg_pyramid

__all__ = ["data_dir"]  # a fixture, used by name

BUNDLE = Path(__file__).resolve().parents[2] / "src/lamella/web/static/dist/viewer.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
    pytest.mark.skipif(not BUNDLE.exists(), reason="viewer bundle not built: run `npm run build`"),
]


def write_slide(path: Path, width: int = 2000, height: int = 1500) -> Path:
    """A JPEG-tiled pyramidal TIFF (levels as successive pages) with a gradient and a grid."""
    y, x = np.mgrid[0:height, 0:width]
    pixels = np.stack([x * 255 // width, y * 255 // height, (x // 100 + y // 100) % 2 * 200], -1)
    pixels = pixels.astype(np.uint8)
    return write_jpeg_pyramid(path, pixels, levels=3)


@pytest.fixture
def browser(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # Playwright's sync API runs an event loop in the test's thread; its ORM calls are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Live-event streams notice a closed page at their next heartbeat: make that soon, and
    # wait for it after closing, so no stream thread touches the database after the test.
    settings.LAMELLA_EVENTS_HEARTBEAT = 0.2
    with launched_chromium() as chromium:
        yield chromium
    time.sleep(0.6)


@pytest.fixture
def slide(
    cast: Cast, data_dir: Path, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> Image:
    path = write_slide(tmp_path / "generated.tif")
    (image,) = upload_and_ingest(
        django_capture_on_commit_callbacks,
        user=cast.owner,
        image_set=cast.image_set,
        files=[(path.name, path)],
    )
    assert image.ingest_state == Image.IngestState.READY, image.ingest_error
    return image


def is_error(message: Any) -> bool:
    # Chromium asks for /favicon.ico by itself; that 404 is not the viewer's.
    return bool(
        message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico")
    )


def log_in(page: Any, base_url: str, user: Any, next_path: str) -> None:
    """Log in through the login form and land on ``next_path``."""
    page.goto(f"{base_url}/accounts/login/?next={next_path}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")


def watch_errors(page: Any) -> list[str]:
    """Console errors and uncaught exceptions of ``page``, collected as they happen."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if is_error(m) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def map_to_image(page: Any, pixel: tuple[float, float]) -> tuple[float, float]:
    x, y = page.evaluate("(p) => window.lamellaViewer.map.getCoordinateFromPixel(p)", list(pixel))
    return x, -y  # the map's y points up, the image's down


def wait_until_saved(page: Any) -> None:
    page.wait_for_function("window.lamellaViewer.pending === 0")


def test_a_member_draws_a_box_and_a_polygon_that_are_saved_with_their_geometry(
    transactional_db: None,
    live_server: Any,
    cast: Cast,
    slide: Image,
    browser: Any,
) -> None:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    box_type = factories.make_annotation_type(product=product, vector_type=1, name="mitosis")
    polygon_type = factories.make_annotation_type(
        product=product, vector_type=5, name="tumour", keyboard_shortcut="t"
    )
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if is_error(m) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    tiles: list[int] = []
    page.on("response", lambda r: tiles.append(r.status) if "dzi_files" in r.url else None)

    # WebGL asked for: the viewer would pick Canvas 2D on this machine's software WebGL.
    page.goto(f"{live_server.url}/accounts/login/?next=/images/{slide.pk}/view/%3Frenderer%3Dwebgl")
    page.fill("input[name=username]", cast.member.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button[type=submit]")
    try:
        page.wait_for_selector("#viewer[data-ready=true]", state="attached", timeout=15_000)
    except Exception as exc:  # Playwright's TimeoutError: say what the page said
        raise AssertionError(f"the viewer did not start; page errors: {errors}") from exc
    page.wait_for_function("window.lamellaViewer.map.getView().getResolution() > 0")
    page.wait_for_load_state("networkidle")
    box = page.locator("[data-role=map]").bounding_box()
    origin = (box["x"], box["y"])

    def at(px: float, py: float) -> tuple[float, float]:
        return origin[0] + px, origin[1] + py

    # A box: pick its type in the palette, drag from corner to corner.
    page.click(f"button[data-type-id='{box_type.pk}']")
    start, end = (200.0, 150.0), (420.0, 330.0)
    page.mouse.move(*at(*start))
    page.mouse.down()
    page.mouse.move(*at(*end), steps=8)
    page.mouse.up()
    wait_until_saved(page)
    (x1, y1), (x2, y2) = map_to_image(page, start), map_to_image(page, end)

    # A polygon: its keyboard shortcut, three clicks, then a click on the first node closes it.
    page.keyboard.press("t")
    nodes = [(520.0, 200.0), (700.0, 240.0), (600.0, 420.0)]
    for node in [*nodes, nodes[0]]:
        page.mouse.click(*at(*node))
        page.wait_for_timeout(120)  # pacing, so clicks are not taken for a double-click
    wait_until_saved(page)
    expected_nodes = [map_to_image(page, node) for node in nodes]

    saved_box = Annotation.objects.get(annotation_type=box_type)
    assert saved_box.user_id == cast.member.pk
    expected_box = {"x1": x1, "y1": y1, "x2": x2, "y2": y2}
    box_vector: dict[str, Any] = saved_box.vector or {}
    assert set(box_vector) == set(expected_box)
    for key, value in expected_box.items():
        assert abs(box_vector[key] - value) <= 1, (key, box_vector, expected_box)

    saved_polygon = Annotation.objects.get(annotation_type=polygon_type)
    polygon_vector: dict[str, Any] = saved_polygon.vector or {}
    assert len(polygon_vector) == 6, polygon_vector
    for index, (x, y) in enumerate(expected_nodes, start=1):
        assert abs(polygon_vector[f"x{index}"] - x) <= 1, polygon_vector
        assert abs(polygon_vector[f"y{index}"] - y) <= 1, polygon_vector

    # Undo takes the polygon away (a soft delete, as in EXACT); redo brings it back.
    page.keyboard.press("Escape")
    page.keyboard.press("Control+z")
    wait_until_saved(page)
    saved_polygon.refresh_from_db()
    assert saved_polygon.deleted
    page.keyboard.press("Control+Shift+z")
    wait_until_saved(page)
    saved_polygon.refresh_from_db()
    assert not saved_polygon.deleted

    # Select the box by a click inside it, drag it, then delete it with the Delete key.
    centre = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    page.mouse.click(*at(*centre))
    page.wait_for_function("window.lamellaViewer.editing.selected.getLength() === 1")
    page.mouse.move(*at(*centre))
    page.mouse.down()
    page.mouse.move(*at(centre[0] + 60, centre[1] + 40), steps=6)
    page.mouse.up()
    wait_until_saved(page)
    moved_x1, moved_y1 = map_to_image(page, (start[0] + 60, start[1] + 40))
    saved_box.refresh_from_db()
    moved: dict[str, Any] = saved_box.vector or {}
    assert abs(moved["x1"] - moved_x1) <= 1 and abs(moved["y1"] - moved_y1) <= 1, moved
    page.keyboard.press("Delete")
    wait_until_saved(page)
    saved_box.refresh_from_db()
    assert saved_box.deleted

    assert page.evaluate("window.lamellaViewer.renderer") == "webgl"
    if os.environ.get("LAMELLA_SCREENSHOT_DIR"):  # for docs/ and for looking at it
        page.screenshot(path=str(Path(os.environ["LAMELLA_SCREENSHOT_DIR"]) / "viewer.png"))
    assert tiles and set(tiles) == {200}, f"tile responses: {tiles}"
    # The list shows the polygon only: the deleted box has left it.
    page.wait_for_function("document.querySelectorAll('.annotation-rows li').length === 1")
    assert "tumour" in page.locator(".annotation-rows li").inner_text()
    assert errors == []


@pytest.fixture
def stack(
    cast: Cast, data_dir: Path, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> Image:
    """A fluorescence z-stack: 3 frames of 2 uint16 channels (ZCYX OME-TIFF)."""
    y, x = np.mgrid[0:400, 0:600]
    planes = [[(x * 50 + z * 1000), (y * 80 + z * 500)] for z in range(3)]
    path = tmp_path / "stack.ome.tif"
    tifffile.imwrite(path, np.array(planes, np.uint16), metadata={"axes": "ZCYX"}, ome=True)
    (image,) = upload_and_ingest(
        django_capture_on_commit_callbacks,
        user=cast.owner,
        image_set=cast.image_set,
        files=[(path.name, path)],
    )
    assert image.ingest_state == Image.IngestState.READY, image.ingest_error
    return image


def test_frames_and_channels_change_the_tiles_and_drawings_keep_their_frame(
    transactional_db: None,
    live_server: Any,
    cast: Cast,
    stack: Image,
    browser: Any,
) -> None:
    assert stack.frames == 3
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    box_type = factories.make_annotation_type(product=product, vector_type=1, name="cell")
    page = browser.new_page(viewport={"width": 1300, "height": 850})
    errors = watch_errors(page)
    log_in(page, live_server.url, cast.member, f"/images/{stack.pk}/view/")
    page.wait_for_selector("#viewer[data-ready=true]", state="attached", timeout=15_000)
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("[data-role=frame]", "max") == "3"
    assert page.locator("fieldset.channel").count() == 2

    # Frame 2 of 3 is tile frame 1 (0-based on the tile routes).
    with page.expect_request(lambda r: "dzi_files" in r.url and "frame=1" in r.url):
        page.fill("[data-role=frame]", "2")
        page.dispatch_event("[data-role=frame]", "input")
    assert page.evaluate("window.lamellaViewer.store.frame") == 2

    # Hiding the first channel asks for tiles without it (c0=min:max:colour:0).
    def hides_channel_0(request: Any) -> bool:
        query = parse_qs(urlparse(request.url).query)
        return "dzi_files" in request.url and query.get("c0", [""])[0].endswith(":0")

    with page.expect_request(hides_channel_0):
        page.locator("fieldset.channel[data-channel='0'] input[type=checkbox]").uncheck()
    page.wait_for_load_state("networkidle")

    # A box drawn now belongs to frame 2.
    box = page.locator("[data-role=map]").bounding_box()
    page.click(f"button[data-type-id='{box_type.pk}']")
    page.mouse.move(box["x"] + 300, box["y"] + 250)
    page.mouse.down()
    page.mouse.move(box["x"] + 420, box["y"] + 350, steps=5)
    page.mouse.up()
    wait_until_saved(page)
    saved = Annotation.objects.get(annotation_type=box_type)
    assert saved.frame == 2
    assert errors == []
