"""The import and export endpoints and the image set zip, as owner, member, outsider, anonymous."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from lamella.annotations.models import Annotation
from lamella.images import storage
from lamella.images.models import ImageSet
from lamella.jobs.models import Job
from tests import factories
from tests.conftest import Cast
from tests.transfer.helpers import row_counts

IMPORT = "/api/v1/annotations/import/"
EXPORT = "/api/v1/annotations/export/"


def cast_any(value: object) -> Any:
    """A test response as Any: FileResponse's streaming_content is not on the stub's type."""
    return value


def client_for(user: Any) -> APIClient:
    client = APIClient()
    if getattr(user, "is_authenticated", False):
        client.force_authenticate(user)
    return client


def upload(cast: Cast, **extra: Any) -> dict[str, Any]:
    line = f'{cast.image.name}|tumour|{{"x1": 10, "y1": 10, "x2": 50, "y2": 60}}||\n'
    return {
        "file": SimpleUploadedFile("labels.txt", (line * 3).encode()),
        "image_set": cast.image_set.pk,
        "create_types": "true",
        **extra,
    }


def test_a_member_imports_a_small_file_and_gets_the_report(cast: Cast) -> None:
    response = client_for(cast.member).post(IMPORT, upload(cast), format="multipart")

    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 3
    assert Annotation.objects.filter(image=cast.image, user=cast.member).count() == 3


def test_a_dry_run_over_the_api_writes_nothing(cast: Cast) -> None:
    before = row_counts()

    response = client_for(cast.owner).post(IMPORT, upload(cast, dry_run="true"), format="multipart")

    assert response.status_code == 200
    assert response.json()["dry_run"] is True and response.json()["created"] == 3
    assert row_counts() == before


def test_a_failed_import_is_a_400_naming_the_record(cast: Cast) -> None:
    response = client_for(cast.owner).post(
        IMPORT, upload(cast, create_types="false"), format="multipart"
    )

    assert response.status_code == 400
    assert "record 1" in response.json()["detail"]
    assert "'tumour'" in response.json()["report"]["error"]["problem"]


def test_a_large_import_runs_as_a_job(
    cast: Cast, django_capture_on_commit_callbacks: Any, settings: Any, tmp_path: Any
) -> None:
    settings.DATA_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(cast.owner).post(
            IMPORT, upload(cast, background="true"), format="multipart"
        )

    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"])
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.result is not None and job.result["created"] == 3
    assert not any((tmp_path / "imports").iterdir())


@pytest.mark.parametrize(
    ("who", "expected"), [("outsider", 404), ("anonymous", 401), ("member", 400)]
)
def test_import_needs_annotate_on_a_readable_set(cast: Cast, who: str, expected: int) -> None:
    data = upload(cast)
    if who == "member":
        data["format"] = "pptx"  # allowed in, refused for its input
    response = client_for(getattr(cast, who)).post(IMPORT, data, format="multipart")

    assert response.status_code == expected
    assert "detail" in response.json()
    assert not Annotation.objects.exists()


def test_a_reader_of_a_public_set_may_not_import(cast: Cast) -> None:
    ImageSet.objects.filter(pk=cast.image_set.pk).update(public=True)

    response = client_for(cast.outsider).post(IMPORT, upload(cast), format="multipart")

    assert response.status_code == 403


def test_export_downloads_the_file_in_the_format(cast: Cast) -> None:
    client_for(cast.owner).post(IMPORT, upload(cast), format="multipart")

    response = client_for(cast.member).get(
        EXPORT, {"image_set": str(cast.image_set.pk), "format": "coco"}
    )

    assert response.status_code == 200, response.content
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(b"".join(cast_any(response).streaming_content))
    assert len(data["annotations"]) == 3


@pytest.mark.parametrize(
    ("who", "query", "expected"),
    [
        ("outsider", {}, 404),
        ("member", {"format": "pptx"}, 400),
        ("member", {"image": 999_999}, 400),
    ],
)
def test_export_refuses_what_it_cannot_do(
    cast: Cast, who: str, query: dict[str, Any], expected: int
) -> None:
    params: dict[str, Any] = {"image_set": cast.image_set.pk, "format": "exact", **query}

    response = client_for(getattr(cast, who)).get(EXPORT, params)

    assert response.status_code == expected
    assert "detail" in response.json()


def test_the_zip_of_an_empty_set_is_204(cast: Cast) -> None:
    empty = factories.make_image_set(team=cast.team, creator=cast.owner)

    response = client_for(cast.member).get(f"/images/imageset/{empty.pk}/download/")

    assert response.status_code == 204


def test_the_zip_is_202_while_built_then_200_with_the_originals(
    cast: Cast, django_capture_on_commit_callbacks: Any, settings: Any, tmp_path: Any
) -> None:
    settings.DATA_DIR = tmp_path
    original = storage.original_path(cast.image)
    original.parent.mkdir(parents=True)
    original.write_bytes(b"pixels")
    url = f"/images/imageset/{cast.image_set.pk}/download/"
    client = client_for(cast.member)

    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(url)
    second = client.get(url)

    assert first.status_code == 202
    assert second.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(cast_any(second).streaming_content)))
    assert archive.read(cast.image.filename) == b"pixels"
    cast.image_set.refresh_from_db()
    assert cast.image_set.zip_state == ImageSet.ZipState.READY


def test_an_outsider_cannot_download_a_private_set(cast: Cast) -> None:
    response = client_for(cast.outsider).get(f"/images/imageset/{cast.image_set.pk}/download/")

    assert response.status_code == 404


def test_export_renders_an_exact_export_format_template(cast: Cast) -> None:
    from lamella.annotations.models import ExportFormat

    client_for(cast.owner).post(IMPORT, upload(cast), format="multipart")
    template = ExportFormat.objects.create(
        name="centres",
        public=True,
        base_format="set %%imageset\n%%content",
        annotation_format="%%imagename;%%type;%%cx;%%cy",
    )

    response = client_for(cast.member).get(
        EXPORT,
        {
            "image_set": str(cast.image_set.pk),
            "format": "exact_template",
            "export_format": str(template.pk),
        },
    )

    text = b"".join(cast_any(response).streaming_content).decode()
    assert response.status_code == 200
    assert text.startswith(f"set {cast.image_set.name}\n")
    assert text.count(f"{cast.image.name};tumour;30;35") == 3
