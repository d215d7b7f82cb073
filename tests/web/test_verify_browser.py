"""The verification view in Chromium: a second user accepts one annotation and rejects another
by keyboard; an outsider is refused."""

import os
from pathlib import Path
from typing import Any

import pytest

from lamella.annotations import services
from lamella.annotations.models import Verification
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
    watch_errors,
)

__all__ = ["browser", "data_dir", "slide"]  # fixtures, used by name

VERIFY_BUNDLE = BUNDLE.with_name("verify.js")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
    pytest.mark.skipif(
        not VERIFY_BUNDLE.exists(), reason="verify bundle not built: run `npm run build`"
    ),
]


def test_a_second_user_accepts_one_annotation_and_rejects_another(
    transactional_db: None,
    live_server: Any,
    cast: Cast,
    slide: Image,
    browser: Any,
) -> None:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    kind = factories.make_annotation_type(product=product, vector_type=1, name="mitosis")
    first, second = (
        services.create_annotation(
            user=cast.owner,
            image=slide,
            annotation_type=kind,
            vector={"x1": x, "y1": 400, "x2": x + 120, "y2": 520},
        )
        for x in (300, 1200)
    )
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors = watch_errors(page)
    url = f"/imagesets/{cast.image_set.pk}/verify/?type={kind.pk}"
    log_in(page, live_server.url, cast.member, url)
    page.wait_for_selector("#verify[data-ready=true]", timeout=15_000)
    assert page.get_attribute("#verify", "data-annotation") == str(first.pk)
    page.wait_for_function(
        "document.querySelector('[data-role=crop]').complete"
        " && document.querySelector('[data-role=crop]').naturalWidth > 0"
    )
    assert "0 of 2" in page.inner_text("[data-role=progress-text]")
    if os.environ.get("LAMELLA_SCREENSHOT_DIR"):  # for docs/
        page.screenshot(path=str(Path(os.environ["LAMELLA_SCREENSHOT_DIR"]) / "verify.png"))

    page.keyboard.press("a")
    page.wait_for_function(
        f"document.querySelector('#verify').dataset.annotation === '{second.pk}'"
    )
    page.keyboard.press("r")
    page.wait_for_function(
        "document.querySelector('[data-role=progress-text]').textContent.startsWith('2 of 2')"
    )
    states = dict(
        Verification.objects.filter(user=cast.member).values_list("annotation", "verified")
    )
    assert states == {first.pk: True, second.pk: False}
    assert errors == []


def test_an_outsider_gets_404_for_the_verification_view(
    transactional_db: None, live_server: Any, cast: Cast, browser: Any
) -> None:
    page = browser.new_page()
    url = f"/imagesets/{cast.image_set.pk}/verify/"
    log_in(page, live_server.url, cast.outsider, "/")
    response = page.goto(f"{live_server.url}{url}")
    assert response is not None and response.status == 404
