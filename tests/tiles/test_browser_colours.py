"""The colour fix in a real browser: a passthrough tile of CMU-1-Small-Region.svs, decoded by
Chromium onto a canvas, has OpenSlide's pixels.

Aperio stores RGB-coded JPEG tiles without an Adobe APP14 marker; browsers then assume YCbCr
and show wrong colours. Lamella splices the JPEGTables and an APP14 (transform 0) in front of
the stored bytes. This test proves both halves: the body ends with the tile's bytes exactly as
stored in the TIFF (read with tifffile, not through Lamella), so nothing was re-encoded, and
Chromium decodes it to OpenSlide's ``read_region`` pixels within 2 per channel.
"""

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import openslide
import pytest
import tifffile

from lamella.images.models import Image
from tests import factories
from tests.browser import CHROMIUM, launched_chromium
from tests.conftest import Cast, testdata
from tests.images.helpers import data_dir, upload_and_ingest

__all__ = ["data_dir"]  # a fixture, used by name

CMU = "aperio-cmu-small-region/CMU-1-Small-Region.svs"
COL, ROW = 1, 1  # an interior tile: full size, no edge padding
APP14_ADOBE = b"\xff\xee\x00\x0eAdobe"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]

# Runs in the page: fetch the tile (its bytes), then decode it as an <img> would and read the
# pixels back from a canvas. Same origin as the page, so the canvas is not tainted.
DECODE_TILE = """
async (url) => {
  const response = await fetch(url);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const img = new Image();
  img.src = URL.createObjectURL(new Blob([bytes], {type: "image/jpeg"}));
  await img.decode();
  // The page is the DZI (an XML document), so an OffscreenCanvas rather than a <canvas>.
  const canvas = new OffscreenCanvas(img.naturalWidth, img.naturalHeight);
  const context = canvas.getContext("2d", {willReadFrequently: true});
  context.drawImage(img, 0, 0);
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
  return {
    status: response.status,
    type: response.headers.get("content-type"),
    width: canvas.width,
    height: canvas.height,
    body: Array.from(bytes),
    pixels: Array.from(data),
  };
}
"""


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    # Playwright's sync API runs an event loop in the test's thread; its ORM calls are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with launched_chromium() as chromium:
        yield chromium


def stored_tile(path: Path, col: int, row: int) -> tuple[bytes, int]:
    """The level-0 tile's bytes as stored in the TIFF, and the tile size (independent of
    Lamella's reader)."""
    with tifffile.TiffFile(path) as tif:
        page = tif.pages.first
        across = -(-page.imagewidth // page.tilewidth)
        index = row * across + col
        tif.filehandle.seek(page.dataoffsets[index])
        return tif.filehandle.read(page.databytecounts[index]), page.tilewidth


def openslide_pixels(path: Path, col: int, row: int, size: int) -> np.ndarray:
    with openslide.OpenSlide(str(path)) as slide:
        rgba = np.asarray(slide.read_region((col * size, row * size), 0, (size, size)))
    return rgba[..., :3].astype(np.int16)


def test_a_passthrough_aperio_tile_decodes_to_openslides_pixels_in_chromium(
    transactional_db: None,
    live_server: Any,
    cast: Cast,
    data_dir: Path,
    browser: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    path = testdata(CMU)
    # Playwright's sync API runs an event loop in this thread; the ORM calls here are safe.
    (image,) = upload_and_ingest(
        django_capture_on_commit_callbacks,
        user=cast.owner,
        image_set=cast.image_set,
        files=[(path.name, path)],
    )
    assert image.ingest_state == Image.IngestState.READY, image.ingest_error
    stored, size = stored_tile(path, COL, ROW)
    z_top = int(np.ceil(np.log2(max(image.width, image.height))))
    base = f"/api/v1/images/images/{image.pk}"

    # Sent up front: Chromium waits for a 401 challenge before using http_credentials, and a
    # private image answers anonymous requests with 404.
    token = base64.b64encode(f"{cast.member.username}:{factories.PASSWORD}".encode()).decode()
    context = browser.new_context(extra_http_headers={"Authorization": f"Basic {token}"})
    page = context.new_page()
    assert page.goto(f"{live_server.url}{base}/dzi.dzi").ok
    tile = page.evaluate(DECODE_TILE, f"{base}/dzi_files/{z_top}/{COL}_{ROW}.jpeg")
    context.close()

    assert tile["status"] == 200
    assert tile["type"] == "image/jpeg"
    body = bytes(tile["body"])
    # Passthrough: the stored tile after its SOI, byte for byte, behind the spliced tables.
    assert stored[:2] == b"\xff\xd8"
    assert body.endswith(stored[2:])
    assert len(body) > len(stored)
    assert APP14_ADOBE in body[: len(body) - len(stored)]
    assert (tile["width"], tile["height"]) == (size, size)
    rgba = np.asarray(tile["pixels"], dtype=np.int16).reshape(size, size, 4)
    diff = np.abs(rgba[..., :3] - openslide_pixels(path, COL, ROW, size))
    assert diff.max() <= 2, f"max difference {diff.max()} per channel (mean {diff.mean():.2f})"
