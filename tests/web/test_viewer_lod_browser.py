"""Level of detail in Chromium: a slide with more annotations than the viewer draws as shapes
shows their density zoomed out and their shapes zoomed in, and ``?focus=`` still finds one."""

import random
from typing import Any

from lamella.annotations.models import Annotation
from lamella.annotations.services import bulk_create_annotations
from lamella.images.models import Image
from tests import factories
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

CROWD = 6_000  # more than SHAPES_LIMIT (lod.js) in the whole-slide view
SETTLED = """() => {
  const lod = window.lamellaViewer.lod;
  return lod.stats.shownAt > 0 && lod.stats.shownAt >= lod.stats.settledAt;
}"""


def crowd(cast: Cast, image: Image) -> list[Annotation]:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    cell_type = factories.make_annotation_type(product=product, vector_type=1, name="cell")
    rng = random.Random(3)
    items = []
    for _ in range(CROWD):
        x, y = rng.randrange(0, image.width - 8), rng.randrange(0, image.height - 8)
        vector = {"x1": x, "y1": y, "x2": x + 6, "y2": y + 6}
        items.append({"image": image, "annotation_type": cell_type, "vector": vector})
    return bulk_create_annotations(user=cast.owner, items=items)


def test_a_crowded_slide_shows_density_zoomed_out_and_shapes_zoomed_in(
    transactional_db: None, live_server: Any, cast: Cast, slide: Image, browser: Any
) -> None:
    crowd(cast, slide)
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    errors = watch_errors(page)
    log_in(page, live_server.url, cast.member, f"/images/{slide.pk}/view/")
    page.wait_for_selector("#viewer[data-ready=true]", state="attached", timeout=15_000)
    page.wait_for_function(SETTLED)
    assert page.evaluate("window.lamellaViewer.lod.stats.mode") == "density"
    assert page.evaluate("window.lamellaViewer.store.source.getFeatures().length") == 0
    assert page.evaluate("Boolean(window.lamellaViewer.lod.density.layer.getSource())")

    # A tenth of the slide across: a few dozen annotations, drawn as shapes.
    page.evaluate("""() => {
      const view = window.lamellaViewer.map.getView();
      view.setCenter([1000, -750]);
      view.setResolution(0.25);
    }""")
    page.wait_for_function(f"({SETTLED})() && window.lamellaViewer.lod.stats.mode === 'shapes'")
    shown = page.evaluate("window.lamellaViewer.store.source.getFeatures().length")
    assert 0 < shown < CROWD // 10
    assert not page.evaluate("Boolean(window.lamellaViewer.lod.density.layer.getSource())")
    page.wait_for_load_state("networkidle")  # no request left for the server after the test
    assert errors == []


def test_focus_selects_an_annotation_of_a_crowded_slide(
    transactional_db: None, live_server: Any, cast: Cast, slide: Image, browser: Any
) -> None:
    target = crowd(cast, slide)[1234]
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    errors = watch_errors(page)
    uuid = str(target.unique_identifier)
    log_in(page, live_server.url, cast.member, f"/images/{slide.pk}/view/%3Ffocus%3D{uuid}")
    page.wait_for_selector("#viewer[data-ready=true]", state="attached", timeout=15_000)
    page.wait_for_function("window.lamellaViewer.editing.selected.getLength() === 1")
    selected = page.evaluate("window.lamellaViewer.editing.selected.item(0).get('uuid')")
    assert selected == uuid
    page.wait_for_load_state("networkidle")
    assert errors == []
