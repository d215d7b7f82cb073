"""Products, annotation types, verifications, logs, screening, media files and processing."""

from django.core.files.uploadedfile import SimpleUploadedFile

from lamella.annotations.models import AnnotationType, Verification
from lamella.annotations.services import create_annotation
from lamella.jobs.models import Plugin, PluginJob
from tests import factories
from tests.api.conftest import box


def test_a_member_creates_a_product_attached_to_its_set(cast, client_for):
    body = {"name": "mitosis", "team": cast.team.pk, "imagesets": [cast.image_set.pk]}
    body["annotationtype_set"] = []
    response = client_for(cast.member).post("/api/v1/administration/products/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["creator"] == cast.member.pk
    assert response.json()["imagesets"] == [cast.image_set.pk]


def test_an_outsider_cannot_create_a_product_in_a_foreign_team(cast, client_for):
    body = {"name": "spy", "team": cast.team.pk}
    response = client_for(cast.outsider).post("/api/v1/administration/products/", body)
    assert response.status_code == 404


def test_products_of_private_sets_are_hidden_from_outsiders(cast, client_for, product):
    assert client_for(cast.outsider).get("/api/v1/administration/products/").json()["count"] == 0
    assert client_for(cast.member).get("/api/v1/administration/products/").json()["count"] == 1


def test_annotation_types_accept_ints_as_booleans(cast, client_for, product):
    body = {
        "name": "mitotic figure", "vector_type": 1, "node_count": 1, "enable_concealed": 1,
        "color_code": "#FF0000", "default_width": 50, "default_height": 50, "sort_order": 0,
        "closed": 1, "area_hit_test": 0, "product": product.pk,
    }  # fmt: skip
    response = client_for(cast.member).post(
        "/api/v1/annotations/annotation_types/", body, format="json"
    )
    assert response.status_code == 201, response.json()
    created = AnnotationType.objects.get(name="mitotic figure")
    assert created.closed is True and created.area_hit_test is False
    outsider = client_for(cast.outsider).post(
        "/api/v1/annotations/annotation_types/", {**body, "name": "x"}, format="json"
    )
    assert outsider.status_code == 403


def test_a_member_verifies_and_an_outsider_cannot(cast, client_for, box_type):
    annotation = create_annotation(
        user=cast.owner, image=cast.image, annotation_type=box_type, vector=box()
    )
    body = {"annotation": annotation.pk, "verified": 1}
    url = "/api/v1/annotations/verifications/"
    assert client_for(cast.outsider).post(url, body, format="json").status_code == 404
    response = client_for(cast.member).post(url, body, format="json")
    assert response.status_code == 201
    assert response.json()["user"] == cast.member.pk
    assert Verification.objects.get(annotation=annotation).user == cast.member


def test_a_reader_logs_opening_an_image(cast, client_for):
    url = "/api/v1/annotations/log_image_actions/"
    response = client_for(cast.member).post(url, {"image": cast.image.pk, "action": 1})
    assert response.status_code == 201
    assert response.json()["user"] == cast.member.pk
    assert client_for(cast.outsider).get(url).json()["count"] == 0


def test_a_screening_mode_marks_the_current_tile_screened(cast, client_for):
    url = "/api/v1/images/screening_modes/"
    tiles = {"0": {"Screened": False}, "1": {"Screened": False}}
    client = client_for(cast.member)
    created = client.post(url, {"image": cast.image.pk, "screening_tiles": tiles}, format="json")
    assert created.status_code == 201
    patched = client.patch(f"{url}{created.json()['id']}/", {"current_index": 1}, format="json")
    assert patched.json()["screening_tiles"]["1"]["Screened"] is True


def test_media_files_upload_as_multipart_and_answer_with_an_envelope(
    cast, client_for, box_type, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    annotation = create_annotation(
        user=cast.owner, image=cast.image, annotation_type=box_type, vector=box()
    )
    upload = SimpleUploadedFile("note.txt", b"hello", content_type="text/plain")
    response = client_for(cast.member).post(
        "/api/v1/annotations/annotation_media_files/",
        {"file": upload, "annotation": annotation.pk, "media_file_type": 1},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["file"].startswith("http://testserver/")
    outsider = client_for(cast.outsider).post(
        "/api/v1/annotations/annotation_media_files/",
        {"file": SimpleUploadedFile("x.txt", b"x"), "annotation": annotation.pk},
        format="multipart",
    )
    assert outsider.status_code == 404


def test_plugins_are_managed_by_administrators_only(cast, client_for):
    response = client_for(cast.member).post("/api/v1/processing/plugins/", {"name": "detector"})
    assert response.status_code == 403
    superuser = factories.make_user("root", is_superuser=True)
    assert (
        client_for(superuser).post("/api/v1/processing/plugins/", {"name": "d"}).status_code == 201
    )


def test_plugin_jobs_follow_the_images_set(cast, client_for):
    plugin = Plugin.objects.create(name="detector")
    body = {"plugin": plugin.pk, "image": cast.image.pk}
    url = "/api/v1/processing/pluginjobs/"
    assert client_for(cast.outsider).post(url, body, format="json").status_code == 404
    created = client_for(cast.member).post(url, body, format="json")
    assert created.status_code == 201
    job = PluginJob.objects.get()
    assert job.creator == cast.member
    patch = {"processing_complete": 50, "attached_worker": "gpu-1"}
    patched = client_for(cast.member).patch(f"{url}{job.pk}/", patch, format="json")
    assert patched.json()["processing_complete"] == 50
    assert client_for(cast.outsider).get(url).json()["count"] == 0
