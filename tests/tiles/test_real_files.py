"""Every testdata image Lamella opens: upload → ingest → DZI → tiles at two levels, compared
with an independent decode (OpenSlide, tifffile, Pillow or nibabel, never lamella.slides)."""

import io
import math
import re
from pathlib import Path
from typing import Any

import nibabel
import numpy as np
import openslide
import pytest
import tifffile
from PIL import Image as PILImage

from tests.conftest import testdata
from tests.images.helpers import upload_and_ingest

# (testdata path, independent decoder, frame to show)
CASES = [
    ("aperio-cmu-small-region/CMU-1-Small-Region.svs", "openslide", 0),
    ("tiny-format-fixtures/small_HE_levels.tiff", "openslide", 0),
    ("tiny-format-fixtures/boxes.tiff", "openslide", 0),
    ("tiny-format-fixtures/small.svs", "openslide", 0),
    ("dicom-wsi/sm_image.dcm", "openslide", 0),
    ("dicom-wsi/boxes_0.dcm", "openslide", 0),
    ("ome-tiff/multi-channel-z-series.ome.tif", "tifffile", 2),
    ("qptiff-vectra/small_vectra.qptiff", "tifffile", 0),
    ("nuclei-stardist/img2d.tif", "tifffile", 0),
    ("nuclei-stardist/mask2d.tif", "tifffile", 0),
    ("nuclei-stardist/histo.jpg", "pillow", 0),
    ("exact-sync-sample/Eosinophile.png", "pillow", 0),
    ("nifti/avg152T1_LR_nifti.nii.gz", "nifti", 45),
]
COLORS = ("ff0000", "00ff00", "0000ff")


def reference(path: Path, decoder: str, frame: int) -> np.ndarray:
    """Level-0 pixels (height, width, channels) in the file's dtype, decoded independently."""
    if decoder == "openslide":
        with openslide.OpenSlide(str(path)) as slide:
            rgba = np.asarray(slide.read_region((0, 0), 0, slide.dimensions))
        return rgba[..., :3]
    if decoder == "pillow":
        return np.asarray(PILImage.open(path).convert("RGB"))
    if decoder == "nifti":
        volume = np.asanyarray(nibabel.as_closest_canonical(nibabel.load(path)).dataobj)
        return volume[:, :, frame].T[::-1][..., None]  # axial slice, anterior at the top
    with tifffile.TiffFile(path) as tif:
        series = tif.series[0]
        data, axes = series.asarray(), series.axes
    if "Z" in axes:
        data = np.take(data, frame, axis=axes.index("Z"))
        axes = axes.replace("Z", "")
    return np.moveaxis(data, 0, -1) if axes.startswith("C") else data[..., None]


def windows_for(raw: np.ndarray) -> list[tuple[float, float, str]]:
    """A window per channel spanning its data, and a colour."""
    if raw.shape[-1] == 1:
        return [(float(raw.min()), float(max(raw.max(), raw.min() + 1)), "ffffff")]
    return [
        (float(raw[..., c].min()), float(max(raw[..., c].max(), raw[..., c].min() + 1)), COLORS[c])
        for c in range(raw.shape[-1])
    ]


def compose(raw: np.ndarray, windows: list[tuple[float, float, str]]) -> np.ndarray:
    """The documented display rule, written out here: window, colour, add, clip."""
    out = np.zeros((*raw.shape[:2], 3), np.float64)
    for c, (low, high, color) in enumerate(windows):
        value = np.clip((raw[..., c].astype(np.float64) - low) / (high - low), 0, 1)
        rgb = np.array([int(color[i : i + 2], 16) for i in (0, 2, 4)]) / 255
        out += value[..., None] * rgb
    return np.rint(np.clip(out, 0, 1) * 255).astype(np.uint8)


def decode(content: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(content)).convert("RGB")).astype(np.int16)


def dzi_size(xml: str) -> tuple[int, int, int]:
    tile = int(re.search(r'TileSize="(\d+)"', xml).group(1))  # type: ignore[union-attr]
    width = int(re.search(r'Width="(\d+)"', xml).group(1))  # type: ignore[union-attr]
    height = int(re.search(r'Height="(\d+)"', xml).group(1))  # type: ignore[union-attr]
    return tile, width, height


def assert_close(got: np.ndarray, expected: np.ndarray, *, mean: float, p99: float) -> None:
    assert got.shape == expected.shape
    diff = np.abs(got - expected.astype(np.int16))
    assert diff.mean() <= mean, f"mean difference {diff.mean():.2f} > {mean}"
    assert np.percentile(diff, 99) <= p99, f"p99 difference {np.percentile(diff, 99)} > {p99}"


@pytest.mark.parametrize(("relative", "decoder", "frame"), CASES, ids=[c[0] for c in CASES])
def test_a_testdata_image_is_served_with_its_own_pixels_at_two_levels(
    relative: str,
    decoder: str,
    frame: int,
    cast: Any,
    data_dir: Path,
    client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    path = testdata(relative)
    (image,) = upload_and_ingest(
        django_capture_on_commit_callbacks,
        user=cast.owner,
        image_set=cast.image_set,
        files=[(path.name, path)],
    )
    assert image.ingest_state == "ready", image.ingest_error
    raw = reference(path, decoder, frame)
    assert (image.width, image.height) == (raw.shape[1], raw.shape[0])
    if decoder in ("openslide", "pillow"):
        query, expected_full = {}, raw
    else:
        windows = windows_for(raw)
        query = {f"c{c}": f"{lo}:{hi}:{color}" for c, (lo, hi, color) in enumerate(windows)}
        query["frame"] = str(frame)
        expected_full = compose(raw, windows)
    client.force_login(cast.member)
    base = f"/api/v1/images/images/{image.pk}"

    xml = client.get(f"{base}/dzi.dzi").content.decode()
    tile_size, width, height = dzi_size(xml)
    assert (width, height) == (image.width, image.height)
    z_top = math.ceil(math.log2(max(width, height)))
    half = np.asarray(
        PILImage.fromarray(expected_full).resize(
            (math.ceil(width / 2), math.ceil(height / 2)), PILImage.Resampling.LANCZOS
        )
    )
    # PNG: lossless, so only decoding and resampling differ; JPEG: its own loss at Q90 on top
    # (small synthetic slides with sharp colour edges lose most to chroma subsampling).
    checks = [
        (z_top, "png", expected_full, 1.0, 4),
        (z_top, "jpeg", expected_full, 6.0, 64),
        (z_top - 1, "png", half, 5.0, 48),
    ]
    for z, ext, expected, mean, p99 in checks:
        response = client.get(f"{base}/dzi_files/{z}/0_0.{ext}", query)
        assert response.status_code == 200, response.content[:200]
        assert response["Content-Type"] == f"image/{ext}"
        assert_close(decode(response.content), expected[:tile_size, :tile_size], mean=mean, p99=p99)

    # EXACT's layout (254 + 1 overlap) at full resolution: tile (0, 0) covers 255 x 255.
    exact = client.get(f"{base}/1/{frame + 1}/tile_files/{z_top}/0_0.png/", query)
    assert exact.status_code == 200
    assert_close(decode(exact.content), expected_full[:255, :255], mean=1.0, p99=4)
