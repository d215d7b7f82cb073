"""Live co-annotation in Chromium: two users on the same image see each other's changes
without reloading."""

from typing import Any

import pytest

from lamella.annotations.models import Annotation
from lamella.images.models import Image
from tests import factories
from tests.conftest import Cast
from tests.web.test_viewer_browser import (
    BUNDLE,
    CHROMIUM,
    browser,
    data_dir,
    log_in,
    slide,
    wait_until_saved,
    watch_errors,
)

__all__ = ["browser", "data_dir", "slide"]  # fixtures, used by name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
    pytest.mark.skipif(not BUNDLE.exists(), reason="viewer bundle not built: run `npm run build`"),
]

SEEN_WITHIN_MS = 2_000


def open_viewer(browser: Any, base_url: str, user: Any, image: Image) -> tuple[Any, list[str]]:
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    page = context.new_page()
    errors = watch_errors(page)
    log_in(page, base_url, user, f"/images/{image.pk}/view/")
    page.wait_for_selector("#viewer[data-ready=true]", state="attached", timeout=15_000)
    page.wait_for_load_state("networkidle")
    return page, errors


def test_two_users_see_each_others_new_annotation_within_two_seconds(
    transactional_db: None,
    live_server: Any,
    cast: Cast,
    slide: Image,
    browser: Any,
) -> None:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    box_type = factories.make_annotation_type(product=product, vector_type=1, name="mitosis")
    drawer, drawer_errors = open_viewer(browser, live_server.url, cast.member, slide)
    watcher, watcher_errors = open_viewer(browser, live_server.url, cast.owner, slide)
    assert watcher.evaluate("window.lamellaViewer.live.mode") == "events"

    # The member draws a box with the mouse.
    box = drawer.locator("[data-role=map]").bounding_box()
    drawer.click(f"button[data-type-id='{box_type.pk}']")
    drawer.mouse.move(box["x"] + 200, box["y"] + 150)
    drawer.mouse.down()
    drawer.mouse.move(box["x"] + 380, box["y"] + 300, steps=6)
    drawer.mouse.up()
    wait_until_saved(drawer)
    saved = Annotation.objects.get(annotation_type=box_type)

    # The owner's viewer shows it, with its geometry, without a reload.
    watcher.wait_for_function(
        "(uuid) => window.lamellaViewer.store.featureOf(uuid) !== null",
        arg=str(saved.unique_identifier),
        timeout=SEEN_WITHIN_MS,
    )
    extent = watcher.evaluate(
        "(uuid) => window.lamellaViewer.store.featureOf(uuid).getGeometry().getExtent()",
        str(saved.unique_identifier),
    )
    vector: dict[str, Any] = saved.vector or {}
    assert round(extent[0]) == vector["x1"] and round(-extent[1]) == vector["y2"]
    watcher.wait_for_function(
        "document.querySelectorAll('.annotation-rows li').length === 1", timeout=SEEN_WITHIN_MS
    )

    # The owner deletes it; the member's viewer drops it, again without a reload.
    watcher.evaluate(
        "(uuid) => window.lamellaViewer.editing.selectUuid(uuid)", str(saved.unique_identifier)
    )
    watcher.keyboard.press("Delete")
    wait_until_saved(watcher)
    drawer.wait_for_function(
        "(uuid) => window.lamellaViewer.store.snapshotOf(uuid).deleted === true",
        arg=str(saved.unique_identifier),
        timeout=SEEN_WITHIN_MS,
    )
    assert drawer_errors == [] and watcher_errors == []


def test_a_stale_edit_is_answered_with_a_notice_and_kept_for_undo(
    transactional_db: None,
    live_server: Any,
    cast: Cast,
    slide: Image,
    browser: Any,
) -> None:
    from lamella.annotations import services

    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    box_type = factories.make_annotation_type(product=product, vector_type=1, name="mitosis")
    original = {"x1": 100, "y1": 100, "x2": 300, "y2": 300}
    annotation = services.create_annotation(
        user=cast.owner, image=slide, annotation_type=box_type, vector=original
    )
    page, errors = open_viewer(browser, live_server.url, cast.member, slide)
    uuid = str(annotation.unique_identifier)
    page.wait_for_function("(u) => window.lamellaViewer.store.featureOf(u) !== null", arg=uuid)
    # Freeze live updates so this viewer keeps the old version, as on a slow network.
    page.evaluate("window.lamellaViewer.live.stop()")
    theirs = {"x1": 500, "y1": 500, "x2": 700, "y2": 700}
    services.update_annotation(user=cast.owner, annotation=annotation, vector=theirs)

    mine = {"x1": 110, "y1": 110, "x2": 310, "y2": 310}
    page.evaluate(
        """([uuid, vector]) => {
            const viewer = window.lamellaViewer;
            const before = viewer.store.snapshotOf(uuid);
            const after = { ...before, vector };
            viewer.history.push({ before: [before], after: [after] });
            viewer.store.apply(after);
        }""",
        [uuid, mine],
    )
    wait_until_saved(page)
    page.wait_for_function(
        "document.querySelector('[data-role=message]').textContent.includes('Someone else')"
    )
    annotation.refresh_from_db()
    assert annotation.vector == theirs  # theirs kept on the server, and shown
    shown = page.evaluate("(u) => window.lamellaViewer.store.snapshotOf(u).vector", uuid)
    assert shown == theirs
    # Undo brings the user's version back and saves it on top of theirs.
    page.keyboard.press("Control+z")
    wait_until_saved(page)
    annotation.refresh_from_db()
    assert annotation.vector == mine

    # The details panel edits description, meta_data and the flags of the selected annotation.
    page.evaluate("(u) => window.lamellaViewer.editing.selectUuid(u)", uuid)
    page.fill("textarea[name=description]", "mitotic figure")
    page.fill("textarea[name=meta_data]", '{"grade": 2}')
    page.check("input[name=concealed]")
    page.locator("textarea[name=meta_data]").dispatch_event("change")
    wait_until_saved(page)
    annotation.refresh_from_db()
    assert annotation.description == "mitotic figure"
    assert annotation.meta_data == {"grade": 2}
    assert annotation._concealed is True
    assert annotation.vector == mine
    # Chromium logs every non-2xx response; the one 409 is the conflict this test provokes.
    assert [e for e in errors if "409 (Conflict)" not in e] == []
