"""A pathologist's whole day in Chromium, through the pages in the order a lab works: log in,
make a team, an image set and a product with a type of each shape, upload CMU-1-Small-Region,
draw one annotation of each shape with the mouse, find them after a reload, move a polygon
vertex and undo it, let a colleague accept one and reject another, export the set. Beside it:
two viewers see each other's drawings live, an outsider is refused, and a small annotation's
crop fills the verification frame. No page may log a console error or throw."""

from pathlib import Path
from typing import Any

import pytest

from lamella.annotations.models import Annotation, AnnotationType, Verification
from lamella.images.models import Image
from tests import factories
from tests.conftest import Cast, testdata
from tests.images.helpers import upload_and_ingest
from tests.web import flow_pages as flow
from tests.web.flow_viewer import Slide, draw_every_shape, near, nodes_of
from tests.web.test_viewer_browser import BUNDLE, CHROMIUM, browser, data_dir

__all__ = ["browser", "data_dir"]  # fixtures, used by name

SVS = "aperio-cmu-small-region/CMU-1-Small-Region.svs"
SEEN_WITHIN_MS = 2_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.testdata,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
    pytest.mark.skipif(not BUNDLE.exists(), reason="viewer bundle not built: run `npm run build`"),
]


def test_a_pathologists_day_from_login_to_export(
    transactional_db: None, live_server: Any, data_dir: Path, browser: Any
) -> None:
    svs = testdata(SVS)
    base = live_server.url
    pathologist = factories.make_user("pathologist")
    factories.make_user("colleague")
    errors = flow.Errors()
    owner = errors.watch(browser.new_context().new_page(), "pathologist")
    owner.set_viewport_size({"width": 1400, "height": 900})

    # Log in; a team with the colleague in it; an image set; a product with every shape.
    flow.log_in(owner, base, "pathologist")
    team_id = flow.create_team(owner, "Dermatopathology")
    flow.add_member(owner, "colleague")
    set_id = flow.create_image_set(owner, "Skin biopsies")
    flow.create_product(owner, f"{base}/teams/{team_id}/", "Skin findings")
    flow.attach_product(owner, f"{base}/sets/{set_id}/", "Skin findings")
    types = {t.name: t for t in AnnotationType.objects.filter(product__team_id=team_id)}
    assert {t.vector_type for t in types.values()} == {s.vector_type for s in flow.SHAPES}

    # Upload the slide through the set page and wait until it is ready.
    flow.upload_slide(owner, svs)
    image = Image.objects.get(image_set_id=set_id, name=svs.name)
    assert image.ingest_state == Image.IngestState.READY, image.ingest_error
    flow.open_viewer_from_set(owner, svs.name)

    # One annotation of each shape, drawn with the mouse.
    slide = Slide(owner, image.width, image.height)
    drawn = draw_every_shape(slide, {name: t.pk for name, t in types.items()})

    # After a reload the viewer shows them all, and each was saved as it was drawn.
    owner.reload()
    flow.wait_for_viewer(owner)
    saved = {a.annotation_type.name: a for a in Annotation.objects.filter(image=image)}
    assert set(saved) == set(drawn)
    for name, annotation in saved.items():
        assert annotation.user_id == pathologist.pk and not annotation.deleted
        vector: dict[str, Any] = annotation.vector or {}
        assert near(nodes_of(vector), drawn[name]), (name, vector, drawn[name])
        shown = owner.evaluate(
            "(u) => window.lamellaViewer.store.snapshotOf(u)", str(annotation.unique_identifier)
        )
        assert shown is not None and nodes_of(shown["vector"]) == nodes_of(vector), name

    # Select the polygon, drag its second vertex; the new place is saved. Ctrl+Z undoes it.
    polygon = saved["tumour"]
    before: dict[str, Any] = dict(polygon.vector or {})
    corners = [slide.to_page(x, y) for x, y in nodes_of(before)]
    inside = (sum(c[0] for c in corners) / 3, sum(c[1] for c in corners) / 3)
    owner.mouse.click(*inside)
    owner.wait_for_function("window.lamellaViewer.editing.selected.getLength() === 1")
    vertex = corners[1]
    target = (vertex[0] + 40, vertex[1] + 30)
    slide.drag(vertex, target)
    flow.wait_until_saved(owner)
    polygon.refresh_from_db()
    moved = nodes_of(polygon.vector or {})
    expected = nodes_of(before)
    expected[1] = slide.to_image(target)
    assert near(moved, expected), (moved, expected)
    owner.keyboard.press("Control+z")
    flow.wait_until_saved(owner)
    polygon.refresh_from_db()
    assert polygon.vector == before

    # The colleague, in a browser of their own, accepts the box and rejects the polygon.
    colleague = errors.watch(browser.new_context().new_page(), "colleague")
    flow.log_in(colleague, base, "colleague")
    flow.follow(colleague, f".set-row[data-set-id='{set_id}'] a.set-name")
    flow.follow(colleague, ".actions a:has-text('Verify')")
    flow.verify_one(colleague, "mitosis", "a", judged=1)
    flow.verify_one(colleague, "tumour", "r", judged=1)
    verdicts = dict(
        Verification.objects.filter(user__username="colleague").values_list(
            "annotation__annotation_type__name", "verified"
        )
    )
    assert verdicts == {"mitosis": True, "tumour": False}

    # The export holds every annotation, each by its unique identifier and type.
    exported = flow.export_set(owner, set_id, "exact")
    lines = [line for line in exported.splitlines() if line.strip()]
    assert len(lines) == len(saved), exported
    for name, annotation in saved.items():
        line = next(line for line in lines if str(annotation.unique_identifier) in line)
        assert line.startswith(f"{svs.name}|{name}|"), line
    assert errors.all() == {}


@pytest.fixture
def cmu(cast: Cast, data_dir: Path, django_capture_on_commit_callbacks: Any) -> Image:
    """CMU-1-Small-Region in the cast's set, ingested."""
    path = testdata(SVS)
    (image,) = upload_and_ingest(
        django_capture_on_commit_callbacks,
        user=cast.owner,
        image_set=cast.image_set,
        files=[(path.name, path)],
    )
    assert image.ingest_state == Image.IngestState.READY, image.ingest_error
    return image


def test_two_viewers_see_each_others_new_annotation_within_two_seconds(
    transactional_db: None, live_server: Any, cast: Cast, cmu: Image, browser: Any
) -> None:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    box_type = factories.make_annotation_type(product=product, vector_type=1, name="mitosis")
    errors = flow.Errors()
    pages = {}
    for user in (cast.member, cast.owner):
        page = errors.watch(browser.new_context().new_page(), user.username)
        page.set_viewport_size({"width": 1200, "height": 800})
        flow.log_in(page, live_server.url, user.username)
        page.goto(f"{live_server.url}/images/{cmu.pk}/view/")
        flow.wait_for_viewer(page)
        pages[user.username] = page

    # Each draws a box in turn; the other's viewer shows it without a reload.
    for drawer, watcher, corner in (("member", "owner", 0.2), ("owner", "member", 0.6)):
        slide = Slide(pages[drawer], cmu.width, cmu.height)
        pages[drawer].click(f"button[data-type-id='{box_type.pk}']")
        slide.drag(slide.at((corner, corner)), slide.at((corner + 0.1, corner + 0.1)))
        flow.wait_until_saved(pages[drawer])
        drawn = Annotation.objects.get(user__username=drawer)
        pages[watcher].wait_for_function(
            "(uuid) => window.lamellaViewer.store.featureOf(uuid) !== null",
            arg=str(drawn.unique_identifier),
            timeout=SEEN_WITHIN_MS,
        )
        pages[drawer].keyboard.press("Escape")
    assert errors.all() == {}


def test_an_outsider_is_refused_the_set_and_the_viewer(
    transactional_db: None, live_server: Any, cast: Cast, cmu: Image, browser: Any
) -> None:
    set_path, viewer_path = f"/sets/{cast.image_set.pk}/", f"/images/{cmu.pk}/view/"
    errors = flow.Errors()
    # Chromium logs the refused page's own 404; that one is what this test asks for.
    page = errors.watch(browser.new_page(), "outsider", allowed=(set_path, viewer_path))
    flow.log_in(page, live_server.url, cast.outsider.username)
    for path in (set_path, viewer_path):
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status in (403, 404), path
        assert page.locator("#viewer").count() == 0
        assert cast.image_set.name not in page.content()
    assert errors.all() == {}


def test_a_small_annotations_crop_fills_its_frame_so_the_box_lands_on_it(
    transactional_db: None, live_server: Any, cast: Cast, cmu: Image, browser: Any
) -> None:
    from lamella.annotations import services

    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    kind = factories.make_annotation_type(product=product, vector_type=2, name="nucleus")
    vector = {"x1": 1000, "y1": 1200, "x2": 1026, "y2": 1226}  # a 64-pixel crop around it
    services.create_annotation(user=cast.owner, image=cmu, annotation_type=kind, vector=vector)
    errors = flow.Errors()
    page = errors.watch(browser.new_page(viewport={"width": 1200, "height": 900}), "member")
    flow.log_in(page, live_server.url, cast.member.username)
    page.goto(f"{live_server.url}/imagesets/{cast.image_set.pk}/verify/?type={kind.pk}")
    page.wait_for_selector("#verify[data-ready=true]", timeout=flow.TIMEOUT_MS)
    page.wait_for_function("document.querySelector('[data-role=crop]').naturalWidth > 0")
    crop = page.locator("[data-role=crop]").bounding_box()
    frame = page.locator("[data-role=frame]").bounding_box()
    assert page.evaluate("document.querySelector('[data-role=crop]').naturalWidth") == 64
    # The box is placed in percent of the frame: the crop must be the whole frame.
    assert abs(crop["width"] - frame["width"]) <= 1 and abs(crop["height"] - frame["height"]) <= 1
    assert crop["width"] >= 256
    assert errors.all() == {}
