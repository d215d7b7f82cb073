"""Fluorescence: 16-bit and multi-channel tiles with windows, colours and visibility applied."""

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import tifffile
from PIL import Image as PILImage

from lamella.images.models import Image
from tests.images.helpers import upload_and_ingest

WIDTH, HEIGHT = 300, 200


@pytest.fixture
def grey16(
    cast: Any, data_dir: Path, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> Image:
    """A 16-bit single-channel image: a ramp from 1000 to 3990 along x, far above 8 bits."""
    ramp = (1000 + np.arange(WIDTH) * 10).astype(np.uint16)
    path = tmp_path / "ramp16.tif"
    tifffile.imwrite(path, np.tile(ramp, (HEIGHT, 1)))
    (image,) = upload_and_ingest(
        django_capture_on_commit_callbacks,
        user=cast.owner,
        image_set=cast.image_set,
        files=[(path.name, path)],
    )
    return image


@pytest.fixture
def three_channels(
    cast: Any, data_dir: Path, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> Image:
    """Three uint16 channels (CYX), constant values 100, 2000 and 60000."""
    data = np.stack([np.full((HEIGHT, WIDTH), v, np.uint16) for v in (100, 2000, 60000)])
    path = tmp_path / "three.ome.tif"
    tifffile.imwrite(path, data, metadata={"axes": "CYX"}, ome=True)
    (image,) = upload_and_ingest(
        django_capture_on_commit_callbacks,
        user=cast.owner,
        image_set=cast.image_set,
        files=[(path.name, path)],
    )
    return image


def tile(client: Any, image: Image, query: dict[str, str]) -> np.ndarray:
    z = math.ceil(math.log2(max(WIDTH, HEIGHT)))
    response = client.get(f"/api/v1/images/images/{image.pk}/dzi_files/{z}/0_0.png", query)
    assert response.status_code == 200, response.content[:200]
    return np.asarray(PILImage.open(io.BytesIO(response.content)).convert("RGB")).astype(int)


def test_a_16_bit_window_maps_its_range_onto_the_full_grey_scale(
    grey16: Image, client: Any, cast: Any
) -> None:
    client.force_login(cast.member)
    pixels = tile(client, grey16, {"c0": "1000:3990:ffffff"})
    expected = np.rint((np.arange(256) * 10) / 2990 * 255)  # the first 256 columns of the ramp
    assert np.abs(pixels[0, :, 0] - expected).max() <= 1
    assert (pixels[..., 0] == pixels[..., 2]).all()  # grey


def test_a_narrow_16_bit_window_saturates_outside_it(grey16: Image, client: Any, cast: Any) -> None:
    client.force_login(cast.member)
    pixels = tile(client, grey16, {"c0": "2000:2100:00ff00"})
    row = pixels[0, :, 1]
    assert (row[:100] == 0).all() and (row[110:] == 255).all()  # 2000 is column 100
    assert 0 < row[105] < 255 and pixels[..., 0].max() == 0


def test_the_ingest_windows_are_the_default_display(grey16: Image, client: Any, cast: Any) -> None:
    low, high = grey16.metadata["channels"][0]["window"]
    assert 1000 <= low < high <= 3990
    client.force_login(cast.member)
    pixels = tile(client, grey16, {})
    assert pixels[0, 0, 0] == 0 and pixels[0, 255, 0] > 128  # a ramp, neither flat nor clipped


def test_three_channels_are_windowed_coloured_and_added(
    three_channels: Image, client: Any, cast: Any
) -> None:
    assert three_channels.channels == 3
    client.force_login(cast.member)
    query = {"c0": "0:200:ff0000", "c1": "0:4000:00ff00", "c2": "0:65535:0000ff"}
    pixels = tile(client, three_channels, query)
    assert np.abs(pixels[5, 5] - np.array([128, 128, 233])).max() <= 1
    hidden = tile(client, three_channels, {**query, "c1": ":::0"})
    assert hidden[5, 5, 1] == 0 and abs(hidden[5, 5, 0] - 128) <= 1
    white = tile(client, three_channels, {"c0": "0:100:ffffff", "c1": ":::0", "c2": ":::0"})
    assert (white[5, 5] == 255).all()
