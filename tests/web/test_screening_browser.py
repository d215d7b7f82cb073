"""Screening mode in Chromium: a member starts screening with the keyboard, walks tiles with
EXACT's keys, reloads and is back on the same tile with the same progress, which the API row
and the image set page show too; a second user's screening is their own."""

import os
from pathlib import Path
from typing import Any

from lamella.images.models import Image, ScreeningMode
from tests.conftest import Cast
from tests.web.test_viewer_browser import (
    browser,
    data_dir,
    log_in,
    pytestmark,
    slide,
    watch_errors,
)

# Fixtures used by name, and the viewer tests' marks (Chromium and the bundle present).
__all__ = ["browser", "data_dir", "pytestmark", "slide"]

TILE = 500  # the generated slide is 2000 x 1500 px: a grid of 4 x 3 tiles


def open_viewer(browser: Any, base_url: str, user: Any, image: Image) -> tuple[Any, list[str]]:
    page = browser.new_context(viewport={"width": 1300, "height": 850}).new_page()
    errors = watch_errors(page)
    log_in(page, base_url, user, f"/images/{image.pk}/view/")
    wait_for_screening(page)
    return page, errors


def wait_for_screening(page: Any) -> None:
    page.wait_for_selector("#viewer[data-ready=true]", state="attached", timeout=15_000)
    page.evaluate("() => window.lamellaViewer.screening.ready")


def progress(page: Any) -> str:
    return str(page.inner_text("[data-role=screening-progress]"))


def wait_for_progress(page: Any, text: str) -> None:
    page.wait_for_function(
        "(text) => document.querySelector('[data-role=screening-progress]').textContent === text"
        " && window.lamellaViewer.screening.pending === 0",
        arg=text,
    )


def wait_centred_on_tile(page: Any, index: int) -> None:
    """The view settles on the tile's centre (map y is image -y)."""
    col, row = index % 4, index // 4
    centre = [col * TILE + TILE / 2, -(row * TILE + TILE / 2)]
    page.wait_for_function(
        "([x, y]) => { const c = window.lamellaViewer.map.getView().getCenter();"
        " return Math.abs(c[0] - x) < 1 && Math.abs(c[1] - y) < 1; }",
        arg=centre,
    )


def screened(mode: ScreeningMode) -> list[int]:
    return sorted(int(key) for key, tile in mode.screening_tiles.items() if tile["Screened"])


def test_screening_survives_a_reload_and_is_kept_per_user(
    transactional_db: None, live_server: Any, cast: Cast, slide: Image, browser: Any
) -> None:
    page, errors = open_viewer(browser, live_server.url, cast.member, slide)
    assert progress(page) == "Not started on this image."
    page.fill("[data-role=screening-width]", str(TILE))
    page.fill("[data-role=screening-height]", str(TILE))
    page.evaluate("() => document.activeElement.blur()")

    # ^ (Backquote) starts screening on the first tile, which is on screen and so screened.
    page.keyboard.press("Backquote")
    wait_for_progress(page, "tile 1 / 12, 8 % screened")
    assert page.inner_text("[data-role=screening-toggle]") == "Stop screening"
    wait_centred_on_tile(page, 0)

    # d is the next tile: each press marks the tile left and the tile reached.
    for _ in range(3):
        page.keyboard.press("d")
    wait_for_progress(page, "tile 4 / 12, 33 % screened")
    wait_centred_on_tile(page, 3)
    # l looks at the next tile (the start of the next row) without marking it.
    page.keyboard.press("l")
    wait_for_progress(page, "tile 5 / 12, 33 % screened")
    page.keyboard.press("j")
    wait_for_progress(page, "tile 4 / 12, 33 % screened")
    if os.environ.get("LAMELLA_SCREENSHOT_DIR"):  # for docs/
        page.screenshot(path=str(Path(os.environ["LAMELLA_SCREENSHOT_DIR"]) / "screening.png"))

    row = ScreeningMode.objects.get(user=cast.member, image=slide)
    assert (row.x_resolution, row.y_resolution, row.x_steps, row.y_steps) == (TILE, TILE, 4, 3)
    assert row.current_index == 3
    assert screened(row) == [0, 1, 2, 3]

    # A reload resumes screening on the same tile with the same progress.
    page.reload()
    wait_for_screening(page)
    wait_for_progress(page, "tile 4 / 12, 33 % screened")
    assert page.evaluate("window.lamellaViewer.screening.active") is True
    wait_centred_on_tile(page, 3)
    page.keyboard.press("s")  # the tile below
    wait_for_progress(page, "tile 8 / 12, 41 % screened")
    row.refresh_from_db()
    assert (row.current_index, screened(row)) == (7, [0, 1, 2, 3, 7])

    # A second user starts their own screening; the member's row is untouched.
    other, other_errors = open_viewer(browser, live_server.url, cast.owner, slide)
    assert progress(other) == "Not started on this image."
    other.click("[data-role=screening-toggle]")
    wait_for_progress(other, "tile 1 / 30, 3 % screened")  # the default 350 px tiles
    other.keyboard.press("d")
    wait_for_progress(other, "tile 2 / 30, 6 % screened")
    theirs = ScreeningMode.objects.get(user=cast.owner, image=slide)
    assert (theirs.current_index, screened(theirs)) == (1, [0, 1])
    row.refresh_from_db()
    assert (row.current_index, screened(row)) == (7, [0, 1, 2, 3, 7])

    assert errors == [] and other_errors == []

    # The member's image set page shows their progress in the image's card. (The cast's own
    # image has no file, so its thumbnail is a 404 there: not a viewer error.)
    page.goto(f"{live_server.url}/sets/{cast.image_set.pk}/")
    card = page.locator(f"li.thumb[data-image-id='{slide.pk}'] [data-role=screening-progress]")
    assert card.inner_text() == "screened 41 % · tile 8 / 12"


def test_stopping_screening_hides_the_grid_and_keys_go_back_to_the_palette(
    transactional_db: None, live_server: Any, cast: Cast, slide: Image, browser: Any
) -> None:
    page, errors = open_viewer(browser, live_server.url, cast.member, slide)
    page.click("[data-role=screening-toggle]")
    wait_for_progress(page, "tile 1 / 30, 3 % screened")
    page.keyboard.press("Backquote")
    page.wait_for_function("!window.lamellaViewer.screening.active")
    assert page.inner_text("[data-role=screening-toggle]") == "Resume screening"
    page.keyboard.press("d")  # no longer a screening key
    assert progress(page) == "tile 1 / 30, 3 % screened"
    page.reload()
    wait_for_screening(page)
    assert page.evaluate("window.lamellaViewer.screening.active") is False
    assert progress(page) == "tile 1 / 30, 3 % screened"
    assert ScreeningMode.objects.get(user=cast.member).current_index == 0
    assert errors == []
