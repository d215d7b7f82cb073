"""Tile views: access, readiness, caching headers, passthrough, EXACT's auxiliary routes."""

import base64
import io
from pathlib import Path
from typing import Any

import numpy as np
import openslide
import pytest
from PIL import Image as PILImage

from lamella.images.models import Image
from tests.conftest import testdata
from tests.factories import PASSWORD
from tests.images.helpers import upload_and_ingest

CMU = "aperio-cmu-small-region/CMU-1-Small-Region.svs"


@pytest.fixture
def slide(cast: Any, data_dir: Path, django_capture_on_commit_callbacks: Any) -> Image:
    path = testdata(CMU)
    (image,) = upload_and_ingest(
        django_capture_on_commit_callbacks,
        user=cast.owner,
        image_set=cast.image_set,
        files=[(path.name, path)],
    )
    return image


def versioned(image: Image) -> str:
    return f"/api/v1/images/images/{image.pk}/{bytes(image.checksum).hex()[:16]}"


def test_an_interior_svs_tile_is_sent_as_stored_bytes_that_decode_to_openslides_pixels(
    slide: Image, client: Any, cast: Any
) -> None:
    client.force_login(cast.member)
    response = client.get(f"{versioned(slide)}/dzi_files/12/2_3.jpeg")
    assert response.status_code == 200
    assert b"Adobe" in response.content[:40]  # Aperio RGB tiles get the APP14 colour fix
    got = np.asarray(PILImage.open(io.BytesIO(response.content)).convert("RGB")).astype(int)
    with openslide.OpenSlide(str(testdata(CMU))) as reference:
        expected = np.asarray(reference.read_region((2 * 240, 3 * 240), 0, (240, 240)))[..., :3]
    assert np.abs(got - expected.astype(int)).max() <= 2


def test_a_versioned_tile_is_immutable_and_revalidates_with_its_etag(
    slide: Image, client: Any, cast: Any
) -> None:
    client.force_login(cast.member)
    url = f"{versioned(slide)}/dzi_files/11/1_1.jpeg"
    first = client.get(url)
    assert first["Cache-Control"] == "public, max-age=31536000, immutable"
    again = client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert client.get(f"{versioned(slide)}/dzi.dzi")["Cache-Control"].endswith("immutable")


def test_a_tile_url_of_another_version_is_not_found(slide: Image, client: Any, cast: Any) -> None:
    client.force_login(cast.member)
    response = client.get(f"/api/v1/images/images/{slide.pk}/{'0' * 16}/dzi_files/11/0_0.jpeg")
    assert response.status_code == 404
    assert "version" in response.json()["detail"]


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_someone_who_cannot_read_the_set_gets_404_everywhere(
    slide: Image, client: Any, cast: Any, who: str
) -> None:
    if who == "outsider":
        client.force_login(cast.outsider)
    base = f"/api/v1/images/images/{slide.pk}"
    for url in (
        f"{base}/dzi.dzi",
        f"{base}/dzi_files/11/0_0.jpeg",
        f"{base}/1/1/tile/",
        f"{base}/1/1/tile_files/11/0_0.jpeg/",
        f"/images/image/{slide.pk}/1/1/tile_files/11/0_0.jpeg",
        f"{base}/thumbnail/",
        f"{base}/get_patch/?x=0&y=0&level=0&width=10&height=10",
        f"{base}/slide_information/",
        f"/images/api/image/download/{slide.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "detail" in response.json()


def test_basic_auth_reads_tiles_without_a_session(slide: Image, client: Any, cast: Any) -> None:
    token = base64.b64encode(f"{cast.member.username}:{PASSWORD}".encode()).decode()
    response = client.get(
        f"/api/v1/images/images/{slide.pk}/1/1/tile/", headers={"Authorization": f"Basic {token}"}
    )
    assert response.status_code == 200
    assert b'TileSize="254"' in response.content and b'Overlap="1"' in response.content


def test_wrong_basic_credentials_get_401(slide: Image, client: Any, cast: Any) -> None:
    token = base64.b64encode(f"{cast.member.username}:wrong".encode()).decode()
    response = client.get(
        f"/api/v1/images/images/{slide.pk}/dzi.dzi", headers={"Authorization": f"Basic {token}"}
    )
    assert response.status_code == 401
    assert response.json()["detail"]


def test_an_image_being_converted_answers_409_with_its_progress(
    slide: Image, client: Any, cast: Any
) -> None:
    Image.objects.filter(pk=slide.pk).update(ingest_state="converting", ingest_progress=42)
    client.force_login(cast.member)
    response = client.get(f"/api/v1/images/images/{slide.pk}/dzi_files/11/0_0.jpeg")
    assert response.status_code == 409
    assert response.json() == {"detail": "image is still being converted (42 %)"}


def test_a_failed_image_answers_409_with_its_error(slide: Image, client: Any, cast: Any) -> None:
    Image.objects.filter(pk=slide.pk).update(ingest_state="failed", ingest_error="bad tile")
    client.force_login(cast.member)
    response = client.get(f"/api/v1/images/images/{slide.pk}/1/1/tile/")
    assert response.status_code == 409
    assert "bad tile" in response.json()["detail"]


def test_slide_information_has_exacts_shape(slide: Image, client: Any, cast: Any) -> None:
    client.force_login(cast.member)
    info = client.get(f"/api/v1/images/images/{slide.pk}/slide_information").json()
    assert info["id"] == str(slide.pk)
    assert info["level_dimensions"] == [[2220, 2967]]
    assert info["level_downsamples"] == [1.0]
    assert info["levels"] == 1
    assert info["level_tiles"][-1] == [9, 12]  # ceil(2220 / 254), ceil(2967 / 254)


def test_the_thumbnail_is_a_png_within_128_pixels(slide: Image, client: Any, cast: Any) -> None:
    client.force_login(cast.member)
    response = client.get(f"/api/v1/images/images/{slide.pk}/thumbnail/")
    assert response["Content-Type"] == "image/png"
    picture = PILImage.open(io.BytesIO(response.content))
    assert max(picture.size) == 128 and picture.size[1] > picture.size[0]


@pytest.mark.parametrize("slash", ["/", ""])
def test_get_patch_returns_the_region_as_png(
    slide: Image, client: Any, cast: Any, slash: str
) -> None:
    client.force_login(cast.member)
    response = client.get(
        f"/api/v1/images/images/{slide.pk}/get_patch{slash}",
        {"x": 100, "y": 200, "level": 0, "width": 64, "height": 32},
    )
    assert response.status_code == 200
    got = np.asarray(PILImage.open(io.BytesIO(response.content)).convert("RGB")).astype(int)
    with openslide.OpenSlide(str(testdata(CMU))) as reference:
        expected = np.asarray(reference.read_region((100, 200), 0, (64, 32)))[..., :3]
    assert np.abs(got - expected.astype(int)).max() <= 1


@pytest.mark.parametrize(
    "query",
    [
        {"x": 0, "y": 0, "level": 0, "width": 2049, "height": 10},
        {"x": 0, "y": 0, "level": 0, "width": 10},
        {"x": "a", "y": 0, "level": 0, "width": 10, "height": 10},
        {"x": 0, "y": 0, "level": 5, "width": 10, "height": 10},
    ],
)
def test_a_bad_patch_request_is_400(
    slide: Image, client: Any, cast: Any, query: dict[str, Any]
) -> None:
    client.force_login(cast.member)
    response = client.get(f"/api/v1/images/images/{slide.pk}/get_patch/", query)
    assert response.status_code == 400
    assert response.json()["detail"]


@pytest.mark.parametrize("query", [{"c0": "1:2:zzzzzz"}, {"c7": "0:1"}, {"c0": "5:1"}])
def test_bad_channel_parameters_are_400(
    slide: Image, client: Any, cast: Any, query: dict[str, str]
) -> None:
    client.force_login(cast.member)
    response = client.get(f"/api/v1/images/images/{slide.pk}/dzi_files/11/0_0.png", query)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_hiding_a_channel_removes_it_from_the_tile(slide: Image, client: Any, cast: Any) -> None:
    client.force_login(cast.member)
    response = client.get(f"/api/v1/images/images/{slide.pk}/dzi_files/12/2_3.png", {"c0": ":::0"})
    pixels = np.asarray(PILImage.open(io.BytesIO(response.content)).convert("RGB"))
    assert pixels[..., 0].max() == 0 and pixels[..., 1].max() > 0


def test_a_tile_outside_the_grid_is_a_4xx(slide: Image, client: Any, cast: Any) -> None:
    client.force_login(cast.member)
    response = client.get(f"/api/v1/images/images/{slide.pk}/dzi_files/12/99_0.jpeg")
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_the_viewers_session_routes_serve_exacts_dzi_and_tiles(
    slide: Image, client: Any, cast: Any
) -> None:
    client.force_login(cast.member)
    dzi = client.get(f"/images/image/{slide.pk}/1/1/tile/")
    assert dzi["Content-Type"] == "application/xml" and b'Width="2220"' in dzi.content
    for slash in ("", "/"):
        response = client.get(f"/images/image/{slide.pk}/1/1/tile_files/12/8_11.jpeg{slash}")
        assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
        width, height = PILImage.open(io.BytesIO(response.content)).size
        assert (width, height) == (2220 - 8 * 254 + 1, 2967 - 11 * 254 + 1)  # edge tile
