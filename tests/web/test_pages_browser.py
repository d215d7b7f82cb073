"""The image set page in Chromium: a resumable (tus) upload with progress bars, the ingest
state refreshing by itself, and the annotation chart drawn, without console errors."""

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.utils import timezone
from PIL import Image as PILImage

from lamella.annotations.models import Annotation
from lamella.images.models import Image
from tests import factories
from tests.conftest import Cast
from tests.images.helpers import data_dir
from tests.web.test_viewer_browser import CHROMIUM, browser, is_error, log_in

__all__ = ["browser", "data_dir"]  # fixtures, used by name

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]


def noisy_png(path: Path, side: int = 320) -> Path:
    """A PNG that does not compress: a few hundred kB, several chunks of 64 kB."""
    pixels = np.random.default_rng(5).integers(0, 255, (side, side, 3), dtype=np.uint8)
    PILImage.fromarray(pixels).save(path)
    return path


def test_a_member_uploads_through_tus_and_sees_the_image_become_ready(
    transactional_db: None,
    live_server: Any,
    cast: Cast,
    data_dir: Path,
    tmp_path: Path,
    browser: Any,
) -> None:
    cast.image.delete()  # the cast's image has no files; its thumbnail would be a 404
    path = noisy_png(tmp_path / "noise.png")
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if is_error(m) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    patches: list[int] = []
    page.on("request", lambda r: patches.append(1) if r.method == "PATCH" else None)

    log_in(page, live_server.url, cast.member, f"/sets/{cast.image_set.pk}/")
    page.wait_for_selector("[data-upload]")
    # Small chunks, so this small file exercises the chunked, resumable path.
    page.evaluate("document.querySelector('[data-upload]').dataset.chunkBytes = 65536")
    page.set_input_files("input[name=files]", str(path))
    with page.expect_navigation(timeout=30_000):  # the page reloads once every file is up
        page.click(".upload-form button[type=submit]")
    page.wait_for_selector(".thumb img", timeout=15_000)

    image = Image.objects.get(image_set=cast.image_set, name="noise.png")
    assert image.ingest_state == Image.IngestState.READY, image.ingest_error
    assert len(patches) >= path.stat().st_size // 65536
    assert page.locator(".thumb .ingest").inner_text() == "ready"
    assert errors == []


def test_the_chart_draws_a_bar_per_annotation_type(
    transactional_db: None, live_server: Any, cast: Cast, browser: Any
) -> None:
    cast.image.delete()
    image = factories.make_image(image_set=cast.image_set, ingest_state="queued")
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    now = timezone.now()
    for name in ("mitosis", "lookalike"):
        kind = factories.make_annotation_type(product=product, name=name)
        Annotation.objects.create(
            image=image, annotation_type=kind, vector={}, time=now, last_edit_time=now
        )
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, live_server.url, cast.member, f"/sets/{cast.image_set.pk}/")
    page.wait_for_selector("svg.bar-chart")
    assert page.locator("svg.bar-chart .bar-label").all_text_contents() == ["mitosis", "lookalike"]
    assert page.locator("svg.bar-chart .bar-value").all_text_contents() == ["0/1", "0/1"]
    assert errors == []


START_HALF_AN_UPLOAD = """async () => {
  const section = document.querySelector('[data-upload]');
  const file = document.querySelector('input[name=files]').files[0];
  const csrf = document.querySelector('input[name=csrfmiddlewaretoken]').value;
  const b64 = (text) => btoa(text);
  const created = await fetch('/api/v1/uploads/', {method: 'POST', headers: {
    'Tus-Resumable': '1.0.0', 'X-CSRFToken': csrf, 'Upload-Length': String(file.size),
    'Upload-Metadata': `filename ${b64(file.name)},image_set ${b64(section.dataset.imageSet)}`}});
  const url = created.headers.get('Location');
  const half = 65536 * 2;
  await fetch(url, {method: 'PATCH', body: file.slice(0, half), headers: {
    'Tus-Resumable': '1.0.0', 'X-CSRFToken': csrf, 'Upload-Offset': '0',
    'Content-Type': 'application/offset+octet-stream'}});
  const set = section.dataset.imageSet;
  localStorage.setItem(`lamella-tus:${set}:${file.name}:${file.size}:${file.lastModified}`, url);
  return half;
}"""


def test_an_interrupted_upload_goes_on_from_where_it_stopped(
    transactional_db: None,
    live_server: Any,
    cast: Cast,
    data_dir: Path,
    tmp_path: Path,
    browser: Any,
) -> None:
    cast.image.delete()
    path = noisy_png(tmp_path / "resumed.png")
    page = browser.new_page()
    log_in(page, live_server.url, cast.member, f"/sets/{cast.image_set.pk}/")
    page.wait_for_selector("[data-upload]")
    page.evaluate("document.querySelector('[data-upload]').dataset.chunkBytes = 65536")
    page.set_input_files("input[name=files]", str(path))
    sent_before = page.evaluate(START_HALF_AN_UPLOAD)
    offsets: list[int] = []
    page.on(
        "request",
        lambda r: offsets.append(int(r.headers["upload-offset"])) if r.method == "PATCH" else None,
    )
    with page.expect_navigation(timeout=30_000):
        page.click(".upload-form button[type=submit]")

    assert offsets[0] == sent_before  # went on from the server's offset, not from 0
    image = Image.objects.get(image_set=cast.image_set, name="resumed.png")
    assert image.ingest_state == Image.IngestState.READY, image.ingest_error
    assert bytes(image.checksum) == hashlib.sha512(path.read_bytes()).digest()  # intact
