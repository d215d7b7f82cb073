"""One SlideRunner sync (``SlideRunner/dataAccess/exact.py``) walked over the legacy routes.

The calls, their bodies and the parsing of the answers follow SlideRunner's ExactManager: Basic
auth as a plain team member, form posts for types, JSON posts for annotations, timestamps as
``"%Y-%m-%dT%H:%M:%S.%f"`` compared with an epsilon of 1 ms.
"""

import datetime as dt
import io
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from tests.conftest import Cast
from tests.legacy.conftest import LegacyClient

EPS_TIME_CONVERSION = 0.001


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return Path(settings.DATA_DIR)


def png_bytes(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (200, 30, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def exact_vector(points: list[list[int]]) -> dict[str, int]:
    """SlideRunner's list_to_exactvector: [[x, y], ...] -> {x1, y1, ...}."""
    vector = {f"x{i + 1}": p[0] for i, p in enumerate(points)}
    vector.update({f"y{i + 1}": p[1] for i, p in enumerate(points)})
    return vector


def stamp(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds).strftime("%Y-%m-%dT%H:%M:%S.%f")


def parse(value: str) -> float:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f").timestamp()


def test_a_sliderunner_sync_round_trip_as_a_team_member(
    cast: Cast, data_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from tests import factories

    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    exm = LegacyClient(cast.member)

    # ExactManager.__init__: the clock check.
    offset = abs(exm.get("/timesync/").json()["unixtime"] - time.time())
    assert offset < 10

    # upload_image_to_imageset: multipart files[], expects 200.
    upload = SimpleUploadedFile("slide.png", png_bytes(), content_type="application/octet-stream")
    with django_capture_on_commit_callbacks(execute=True):
        response = exm.client.post(
            f"/images/image/upload/{cast.image_set.pk}/", {"files[]": upload}, headers=exm.headers
        )
    assert response.status_code == 200, response.content
    assert response.json()["files"][0]["name"] == "slide.png"

    # retrieve_imagesets and retrieve_imageset (no final slash), then find the slide by name.
    sets = json.loads(exm.get("/images/api/list_imagesets/").content)
    assert cast.image_set.pk in [s["id"] for s in sets]
    details = exm.get(f"/images/api/imageset/load?image_set_id={cast.image_set.pk}")
    image_id = [i["id"] for i in details.json()["image_set"]["images"] if i["name"] == "slide.png"]
    assert len(image_id) == 1
    image_id = image_id[0]

    # retrieve_and_insert: nothing remote yet.
    load = f"/annotations/api/annotation/load/?image_id={image_id}"
    assert exm.get(load).json()["annotations"] == []

    # get_or_create_annotationtype: missing, so create it (form post), then reload the types.
    types_url = f"/annotations/api/annotation/loadannotationtypes/?imageset_id={cast.image_set.pk}"
    assert "Mitosis" not in {t["name"] for t in exm.get(types_url).json()["annotation_types"]}
    created_type = exm.post_form(
        "/administration/api/annotation_type/create/",
        {
            "product_id": product.pk, "name": "Mitosis", "color_code": "#ff0000",
            "sort_order": 1, "vector_type": 1, "default_width": 50, "default_height": 50,
            "area_hit_test": True, "closed": False,
        },
    )  # fmt: skip
    assert created_type.status_code == 201
    types = {t["name"]: t for t in exm.get(types_url).json()["annotation_types"]}
    type_id = types["Mitosis"]["id"]
    assert types["Mitosis"]["vector_type"] == 1

    # create_annotation: JSON, expects 201 and reads ['annotations']['id'].
    guid = str(uuid.uuid4())
    local_modified = time.time() - 60
    created = exm.post_json(
        "/annotations/api/annotation/create/",
        {
            "image_id": image_id, "annotation_type_id": type_id,
            "vector": exact_vector([[5, 6], [30, 20]]), "unique_identifier": guid,
            "deleted": False, "last_edit_time": stamp(local_modified), "blurred": False,
            "description": "first pass",
        },
    )  # fmt: skip
    assert created.status_code == 201, created.content
    exact_id = created.json()["annotations"]["id"]

    # A later sync sees the remote copy with the same time stamp: nothing to push.
    (remote,) = exm.get(load).json()["annotations"]
    assert remote["unique_identifier"] == guid and remote["id"] == exact_id
    assert abs(parse(remote["last_edit_time"]) - local_modified) < EPS_TIME_CONVERSION
    assert remote["last_editor"]["name"] == "member"
    assert remote["annotation_type"]["name"] == "Mitosis"

    # The local copy changed later: update_annotation, expects 200.
    local_modified += 30
    updated = exm.post_json(
        "/annotations/api/annotation/update/",
        {
            "annotation_id": exact_id, "image_id": image_id, "annotation_type_id": type_id,
            "vector": exact_vector([[8, 9], [40, 30]]), "unique_identifier": guid,
            "deleted": 0, "last_edit_time": stamp(local_modified), "blurred": False,
            "description": "second pass",
        },
    )  # fmt: skip
    assert updated.status_code == 200, updated.content
    (remote,) = exm.get(load).json()["annotations"]
    assert remote["vector"] == {"x1": 8, "x2": 40, "y1": 9, "y2": 30}
    assert abs(parse(remote["last_edit_time"]) - local_modified) < EPS_TIME_CONVERSION
    assert remote["description"] == "second pass"

    # delete_annotation keeping the element (SlideRunner's default), expects 200.
    deleted = exm.delete(
        f"/annotations/api/annotation/delete/?annotation_id={exact_id}&keep_deleted_element=True"
    )
    assert deleted.status_code == 200
    assert exm.get(load).json()["annotations"] == []
    with_deleted = exm.get(load + "&include_deleted=True").json()["annotations"]
    assert [a["deleted"] for a in with_deleted] == [True]

    # download_image: the file name comes from Content-Disposition.
    download = exm.get(f"/images/api/image/download/{image_id}/")
    assert download.status_code == 200
    assert "slide" in download.headers["Content-Disposition"]
