"""HTTP uploads: EXACT's legacy form upload, downloads, and the tus resumable protocol."""

import base64
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from lamella.images.models import Image
from tests.conftest import testdata
from tests.images.helpers import files_under

PNG = "exact-sync-sample/Eosinophile.png"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def create_upload(client: Any, image_set: Any, name: str, length: int) -> Any:
    return client.post(
        "/api/v1/uploads/",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(length),
            "Upload-Metadata": f"filename {b64(name)},image_set {b64(str(image_set.pk))}",
        },
    )


def patch(client: Any, url: str, offset: int, data: bytes) -> Any:
    return client.generic(
        "PATCH",
        url,
        data,
        content_type="application/offset+octet-stream",
        headers={"Tus-Resumable": "1.0.0", "Upload-Offset": str(offset)},
    )


def test_sliderunners_form_upload_answers_with_the_files_and_their_ids(
    cast: Any, data_dir: Path, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(cast.member)
    data = testdata(PNG).read_bytes()
    url = f"/images/image/upload/{cast.image_set.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"files[]": io.BytesIO(data)})
    assert response.status_code == 200
    (row,) = response.json()["files"]
    image = Image.objects.get(pk=row["id"])
    assert row == {"name": image.name, "size": len(data), "type": "image", "id": image.pk}
    again = client.post(url, {"files[]": io.BytesIO(data)})  # a duplicate: same id back
    assert again.json()["files"][0]["id"] == image.pk
    assert Image.objects.filter(image_set=cast.image_set, name=image.name).count() == 1


def test_a_bad_file_on_the_form_upload_is_400_with_detail(
    cast: Any, data_dir: Path, client: Any
) -> None:
    client.force_login(cast.member)
    bad = io.BytesIO(b"hello, not an image")
    bad.name = "notes.svs"
    response = client.post(f"/images/image/upload/{cast.image_set.pk}/", {"files[]": bad})
    assert response.status_code == 400
    assert "notes.svs" in response.json()["detail"]
    assert response.json()["files"][0]["error"]
    assert files_under(data_dir / "images") == []


def test_the_form_upload_to_a_locked_set_is_403(cast: Any, data_dir: Path, client: Any) -> None:
    cast.image_set.image_lock = True
    cast.image_set.save()
    client.force_login(cast.owner)
    response = client.post(
        f"/images/image/upload/{cast.image_set.pk}/", {"files[]": io.BytesIO(b"x")}
    )
    assert response.status_code == 403 and "locked" in response.json()["detail"]


def test_download_sends_the_original_or_the_pyramid_with_length_and_name(
    cast: Any, data_dir: Path, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(cast.owner)
    data = testdata(PNG).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/images/image/upload/{cast.image_set.pk}/", {"file_path": io.BytesIO(data)}
        )
    image_id = response.json()["files"][0]["id"]
    original = client.get(f"/images/api/image/download/{image_id}/?original_image=True")
    assert b"".join(original.streaming_content) == data
    assert original["Content-Length"] == str(len(data))
    assert "attachment" in original["Content-Disposition"]
    served = client.get(f"/images/api/image/download/{image_id}/?original_image=False")
    body = b"".join(served.streaming_content)
    assert body[:4] == b"II+\x00" and served["Content-Length"] == str(len(body))
    assert ".tiff" in served["Content-Disposition"]


def test_tus_announces_its_version_and_extensions(client: Any, db: None) -> None:
    response = client.options("/api/v1/uploads/")
    assert response.status_code == 204
    assert response["Tus-Version"] == "1.0.0" and "creation" in response["Tus-Extension"]


def test_a_tus_upload_in_chunks_with_a_wrong_offset_refused_then_completed(
    cast: Any, data_dir: Path, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(cast.member)
    data = testdata(PNG).read_bytes()
    created = create_upload(client, cast.image_set, "eos.png", len(data))
    assert created.status_code == 201
    url = created["Location"]
    assert client.head(url)["Upload-Offset"] == "0"
    assert patch(client, url, 0, data[:1000]).status_code == 204
    assert client.head(url)["Upload-Offset"] == "1000"
    conflict = patch(client, url, 0, data[:10])
    assert conflict.status_code == 409 and "1000" in conflict.json()["detail"]
    with django_capture_on_commit_callbacks(execute=True):
        done = patch(client, url, 1000, data[1000:])
    assert done.status_code == 204 and done["Upload-Offset"] == str(len(data))
    image = Image.objects.get(pk=int(done["Upload-Images"]))
    assert image.ingest_state == "ready" and bytes(image.checksum) == hashlib.sha512(data).digest()
    assert client.get(url).json()["images"] == [image.pk]


def test_someone_elses_tus_upload_is_not_found(cast: Any, data_dir: Path, client: Any) -> None:
    client.force_login(cast.member)
    url = create_upload(client, cast.image_set, "a.png", 10)["Location"]
    client.force_login(cast.owner)
    assert client.head(url).status_code == 404


def test_a_tus_upload_of_a_bad_file_is_refused_at_its_end_and_removed(
    cast: Any, data_dir: Path, client: Any
) -> None:
    client.force_login(cast.member)
    data = b"this is plain text, not a slide"
    url = create_upload(client, cast.image_set, "fake.svs", len(data))["Location"]
    refused = patch(client, url, 0, data)
    assert refused.status_code == 400 and "fake.svs" in refused.json()["detail"]
    assert client.head(url).status_code == 404
    assert files_under(data_dir / "images") == [] and files_under(data_dir / "uploads") == []


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Upload-Length": "abc"}, 400),
        ({"Upload-Length": "10", "Tus-Resumable": "0.2.2"}, 412),
    ],
)
def test_a_bad_tus_creation_is_refused(
    cast: Any, data_dir: Path, client: Any, headers: dict[str, str], status: int
) -> None:
    client.force_login(cast.member)
    meta = f"filename {b64('a.png')},image_set {b64(str(cast.image_set.pk))}"
    response = client.post("/api/v1/uploads/", headers={"Upload-Metadata": meta, **headers})
    assert response.status_code == status and response.json()["detail"]


def test_an_outsider_cannot_start_a_tus_upload(cast: Any, data_dir: Path, client: Any) -> None:
    client.force_login(cast.outsider)
    assert create_upload(client, cast.image_set, "a.png", 10).status_code == 404


def test_the_tus_upload_cap_answers_413(
    cast: Any, data_dir: Path, client: Any, settings: Any
) -> None:
    settings.MAX_UPLOAD_BYTES = 100
    client.force_login(cast.member)
    assert create_upload(client, cast.image_set, "a.png", 101).status_code == 413


def test_a_folder_format_original_is_downloaded_as_a_zip_with_its_folder(
    cast: Any, data_dir: Path, client: Any
) -> None:
    from lamella.images import storage

    image = Image.objects.create(
        image_set=cast.image_set, name="s.mrxs", filename="s.mrxs", ingest_state="ready"
    )
    folder = storage.set_dir(cast.image_set)
    (folder / "s").mkdir(parents=True)
    (folder / "s.mrxs").write_bytes(b"index")
    (folder / "s" / "Data0.dat").write_bytes(b"pixels")
    client.force_login(cast.member)
    response = client.get(f"/images/api/image/download/{image.pk}/?original_image=True")
    body = b"".join(response.streaming_content)
    assert response["Content-Length"] == str(len(body))
    assert "s.zip" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert sorted(archive.namelist()) == ["s.mrxs", "s/Data0.dat"]
        assert archive.read("s/Data0.dat") == b"pixels"


def test_a_name_with_accents_is_kept_as_the_image_name(
    cast: Any, data_dir: Path, client: Any
) -> None:
    client.force_login(cast.member)
    upload = io.BytesIO(testdata(PNG).read_bytes())
    upload.name = "Präparat 1.png"
    response = client.post(f"/images/image/upload/{cast.image_set.pk}/", {"files[]": upload})
    image = Image.objects.get(pk=response.json()["files"][0]["id"])
    assert image.name == "Präparat 1.png" and image.filename == "Pr_parat 1.png"


def test_abandoned_uploads_are_removed_after_a_while(
    cast: Any, data_dir: Path, client: Any
) -> None:
    from lamella.images import uploads

    client.force_login(cast.member)
    create_upload(client, cast.image_set, "a.png", 10)
    assert uploads.remove_stale(older_than_seconds=3600) == 0
    assert uploads.remove_stale(older_than_seconds=-1) == 1
    assert not any((data_dir / "uploads").iterdir())
