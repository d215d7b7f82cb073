"""images/image_sets, images/images, set tags and versions under the policy."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage

from lamella.images.models import Image, ImageSet, SetTag
from tests import factories

SETS = "/api/v1/images/image_sets/"
IMAGES = "/api/v1/images/images/"


def test_a_member_creates_a_set_with_only_name_and_team_and_becomes_its_creator(cast, client_for):
    body = {"name": "slides", "team": cast.team.pk, "images": [], "product_set": [], "set_tags": []}
    response = client_for(cast.member).post(SETS, body, format="json")
    assert response.status_code == 201, response.json()
    assert ImageSet.objects.get(name="slides").creator == cast.member


def test_an_outsider_cannot_create_a_set_in_someone_elses_team(cast, client_for):
    body = {"name": "intrusion", "team": cast.team.pk}
    assert client_for(cast.outsider).post(SETS, body, format="json").status_code == 404


def test_an_outsider_gets_404_on_a_private_set(cast, client_for):
    assert client_for(cast.outsider).get(f"{SETS}{cast.image_set.pk}/").status_code == 404
    assert client_for(cast.outsider).get(f"{IMAGES}{cast.image.pk}/").status_code == 404


def test_anonymous_reads_public_sets_only(cast, client_for):
    public = factories.make_image_set(team=cast.team, public=True)
    body = client_for(None).get(SETS).json()
    assert [row["id"] for row in body["results"]] == [public.pk]


def test_a_member_edits_a_set_but_may_not_delete_it(cast, client_for):
    url = f"{SETS}{cast.image_set.pk}/"
    client = client_for(cast.member)
    assert (
        client.patch(url, {"description": "H&E", "priority": 1}, format="json").status_code == 200
    )
    assert client.delete(url).status_code == 403
    assert client_for(cast.owner).delete(url).status_code == 204


def test_a_reader_of_a_public_set_may_not_edit_it(cast, client_for):
    cast.image_set.public = True
    cast.image_set.save()
    url = f"{SETS}{cast.image_set.pk}/"
    assert client_for(cast.outsider).get(url).status_code == 200
    assert client_for(cast.outsider).patch(url, {"name": "x"}, format="json").status_code == 403


def test_image_fields_use_exacts_names(cast, client_for):
    body = client_for(cast.member).get(f"{IMAGES}{cast.image.pk}/").json()
    for key in ("objectivePower", "FrameDescriptions", "defaultFrame", "annotations", "image_set"):
        assert key in body
    assert body["annotations"] == []


def test_omit_annotations_drops_the_field(cast, client_for):
    body = client_for(cast.member).get(f"{IMAGES}?omit=annotations").json()
    assert "annotations" not in body["results"][0]


def test_expand_product_set_and_nested_annotation_types(cast, client_for, box_type):
    url = f"{SETS}{cast.image_set.pk}/?expand=product_set,product_set.annotationtype_set"
    body = client_for(cast.member).get(url).json()
    assert body["product_set"][0]["annotationtype_set"][0]["name"] == "cell"


def test_a_member_patches_an_image_and_may_not_delete_it(cast, client_for):
    url = f"{IMAGES}{cast.image.pk}/"
    client = client_for(cast.member)
    assert client.patch(url, {"mpp": 0.25, "objectivePower": 40}, format="json").status_code == 200
    assert Image.objects.get(pk=cast.image.pk).objectivePower == 40
    assert client.delete(url).status_code == 403
    assert client_for(cast.admin).delete(url).status_code == 204


def test_an_image_cannot_be_moved_into_a_set_the_user_cannot_read(cast, client_for):
    other_team = factories.make_team(admin=cast.outsider)
    foreign = factories.make_image_set(team=other_team, creator=cast.outsider)
    response = client_for(cast.member).patch(
        f"{IMAGES}{cast.image.pk}/", {"image_set": foreign.pk}, format="json"
    )
    assert response.status_code == 404
    assert Image.objects.get(pk=cast.image.pk).image_set == cast.image_set


def png_file(name: str = "cells.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (200, 30, 90)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_a_member_uploads_an_image_under_any_part_name_and_gets_its_id_at_once(cast, client_for):
    body = {"image_set": cast.image_set.pk, "image_type": 0, "file_path": png_file()}
    response = client_for(cast.member).post(IMAGES, body, format="multipart")
    assert response.status_code == 200, response.json()
    envelope = response.json()
    assert envelope["count"] == 1
    created = Image.objects.get(pk=envelope["results"][0]["id"])
    assert (created.name, created.image_set) == ("cells.png", cast.image_set)
    assert envelope["results"][0]["ingest_state"] in {"queued", "converting", "ready"}


def test_uploading_the_same_file_twice_creates_one_image(cast, client_for):
    client = client_for(cast.member)
    client.post(IMAGES, {"image_set": cast.image_set.pk, "f": png_file()}, format="multipart")
    again = client.post(
        IMAGES, {"image_set": cast.image_set.pk, "f": png_file()}, format="multipart"
    )
    assert again.status_code == 200
    assert again.json()["count"] == 0
    assert Image.objects.filter(image_set=cast.image_set, name="cells.png").count() == 1


def test_an_upload_without_a_set_or_to_a_foreign_set_is_refused(cast, client_for):
    missing = client_for(cast.member).post(IMAGES, {"f": png_file()}, format="multipart")
    assert missing.status_code == 400
    assert "image_set" in missing.json()["detail"]
    foreign = client_for(cast.outsider).post(
        IMAGES, {"image_set": cast.image_set.pk, "f": png_file()}, format="multipart"
    )
    assert foreign.status_code == 404
    assert not Image.objects.filter(name="cells.png").exists()


def test_set_tags_attach_only_to_sets_the_user_may_edit(cast, client_for):
    client = client_for(cast.member)
    ok = client.post("/api/v1/images/set_tags/", {"name": "HE", "imagesets": [cast.image_set.pk]})
    assert ok.status_code == 201
    other_team = factories.make_team(admin=cast.outsider)
    foreign = factories.make_image_set(team=other_team, creator=cast.outsider)
    bad = client.post("/api/v1/images/set_tags/", {"name": "IHC", "imagesets": [foreign.pk]})
    assert bad.status_code == 404
    assert list(SetTag.objects.values_list("name", flat=True)) == ["HE"]


def test_set_tags_of_private_sets_are_hidden_from_outsiders(cast, client_for):
    tag = SetTag.objects.create(name="secret")
    tag.imagesets.add(cast.image_set)
    assert client_for(cast.outsider).get("/api/v1/images/set_tags/").json()["count"] == 0
    assert client_for(cast.member).get("/api/v1/images/set_tags/").json()["count"] == 1
