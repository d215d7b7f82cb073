"""``/images/…``, ``/administration/…``, ``/processing/…`` and ``/timesync/`` legacy routes."""

import base64

import pytest

from lamella.annotations.models import AnnotationType
from lamella.images.models import Image, ImageSet
from lamella.jobs.models import Plugin, PluginJob
from tests import factories
from tests.conftest import Cast


def test_timesync_needs_no_credentials_and_ignores_wrong_ones(client) -> None:
    wrong = "Basic " + base64.b64encode(b"nobody:nothing").decode()
    for headers in ({}, {"HTTP_AUTHORIZATION": wrong}):
        response = client.get("/timesync/", **headers)
        assert response.status_code == 200
        assert isinstance(response.json()["unixtime"], float)


@pytest.mark.parametrize(
    ("role", "sees"), [("owner", True), ("member", True), ("outsider", False), ("anonymous", False)]
)
def test_list_imagesets_shows_what_the_user_may_read(cast: Cast, product, as_user, role, sees):
    public = factories.make_image_set(team=factories.make_team(), public=True)
    response = as_user(getattr(cast, role)).get("/images/api/list_imagesets/")
    assert response.status_code == 200
    ids = {s["id"] for s in response.json()}
    assert (cast.image_set.pk in ids) == sees
    assert public.pk in ids


def test_list_imagesets_has_exacts_nested_shape(
    cast: Cast, product, as_user, django_assert_max_num_queries
) -> None:
    box = factories.make_annotation_type(product=product, name="cell")
    for _ in range(3):
        factories.make_image_set(team=cast.team, creator=cast.owner)
    with django_assert_max_num_queries(12):
        sets = as_user(cast.member).get("/images/api/list_imagesets/").json()
    (found,) = [s for s in sets if s["id"] == cast.image_set.pk]
    assert found["team"] == {"id": cast.team.pk, "name": cast.team.name}
    assert found["images"][0]["id"] == cast.image.pk
    assert "objectivePower" in found["images"][0]
    assert found["products"] == [
        {
            "name": product.name,
            "id": product.pk,
            "annotation_types": [
                {
                    "id": box.pk, "closed": True, "name": "cell", "vector_type": 1,
                    "color_code": box.color_code, "multi_frame": False, "area_hit_test": True,
                }
            ],
        }
    ]  # fmt: skip
    assert found["tags"] == [] and found["main_annotation_type"] is None


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("member", 200), ("outsider", 404), ("anonymous", 404)]
)
def test_imageset_load_answers_by_role(cast: Cast, as_user, role, status) -> None:
    # SlideRunner calls it without the final slash.
    url = f"/images/api/imageset/load?image_set_id={cast.image_set.pk}"
    response = as_user(getattr(cast, role)).get(url)
    assert response.status_code == status
    if status == 200:
        (image,) = response.json()["image_set"]["images"]
        assert image["id"] == cast.image.pk and image["filename"] == cast.image.filename
        assert image["image_set"] == cast.image_set.pk and len(image["time"]) == 26


@pytest.mark.parametrize(
    ("role", "status"), [("admin", 200), ("member", 200), ("outsider", 404), ("anonymous", 401)]
)
def test_imageset_create_answers_by_role(cast: Cast, product, as_user, role, status) -> None:
    body = {"name": "new set", "team": {"id": cast.team.pk}, "products": [{"id": product.pk}]}
    response = as_user(getattr(cast, role)).post_json("/images/api/imageset/create/", body)
    assert response.status_code == status
    created = ImageSet.objects.filter(name="new set").first()
    assert (created is not None) == (status == 200)
    if created is not None:
        assert response.json()["products"][0]["id"] == product.pk
        assert created.creator == getattr(cast, role)


def test_imageset_create_as_exactmanager_form_encodes_it_is_a_clear_400(cast: Cast, as_user):
    # requests turns {"team": {"id": 3}} into team=id: the id is lost.
    response = as_user(cast.member).post_form(
        "/images/api/imageset/create/", {"name": "x", "team": "id", "public": "False"}
    )
    assert response.status_code == 400
    assert "team" in response.json()["detail"]


def test_imageset_create_with_a_taken_name_is_a_400(cast: Cast, as_user) -> None:
    body = {"name": cast.image_set.name, "team": cast.team.pk}
    response = as_user(cast.member).post_json("/images/api/imageset/create/", body)
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 201), ("member", 201), ("outsider", 404), ("anonymous", 401)]
)
def test_product_add_answers_by_role(cast: Cast, as_user, role, status) -> None:
    product = factories.make_product(team=cast.team)
    fields = {"image_set_id": cast.image_set.pk, "product_id": product.pk}
    response = as_user(getattr(cast, role)).post_form("/images/api/imageset/product/add/", fields)
    assert response.status_code == status
    assert product.imagesets.filter(pk=cast.image_set.pk).exists() == (status == 201)
    if status == 201:
        assert response.json()["product"]["imagesets"] == [cast.image_set.pk]
        again = as_user(getattr(cast, role)).post_form("/images/api/imageset/product/add/", fields)
        assert again.status_code == 200


def test_product_add_of_another_teams_product_is_a_404(cast: Cast, as_user) -> None:
    foreign = factories.make_product(team=factories.make_team())
    fields = {"image_set_id": cast.image_set.pk, "product_id": foreign.pk}
    response = as_user(cast.owner).post_form("/images/api/imageset/product/add/", fields)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 201), ("member", 201), ("outsider", 404), ("anonymous", 401)]
)
def test_annotation_type_create_checks_permission(cast, product, as_user, role, status) -> None:
    fields = {
        "product_id": product.pk, "name": "mitosis", "vector_type": 2, "color_code": "#00ff00",
        "sort_order": 3, "default_width": 40, "default_height": 40, "area_hit_test": "True",
        "closed": "False",
    }  # fmt: skip
    response = as_user(getattr(cast, role)).post_form(
        "/administration/api/annotation_type/create/", fields
    )
    assert response.status_code == status
    created = AnnotationType.objects.filter(name="mitosis").first()
    assert (created is not None) == (status == 201)
    if created is not None:
        assert response.json()["annotationType"]["id"] == created.pk
        assert (created.sort_order, created.closed, created.area_hit_test) == (3, False, True)


def test_annotation_type_create_with_a_bad_vector_type_is_a_400(cast, product, as_user) -> None:
    fields = {"product_id": product.pk, "name": "x", "vector_type": 42}
    url = "/administration/api/annotation_type/create/"
    assert as_user(cast.member).post_form(url, fields).status_code == 400


@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 200), ("admin", 200), ("member", 403), ("outsider", 404), ("anonymous", 401)],
)
def test_image_delete_needs_delete_images(cast: Cast, as_user, role, status) -> None:
    response = as_user(getattr(cast, role)).get(f"/images/api/image/delete/{cast.image.pk}/")
    assert response.status_code == status
    assert Image.objects.filter(pk=cast.image.pk).exists() == (status != 200)


def test_image_delete_in_a_locked_set_is_a_403(cast: Cast, as_user) -> None:
    ImageSet.objects.filter(pk=cast.image_set.pk).update(image_lock=True)
    response = as_user(cast.owner).get(f"/images/api/image/delete/{cast.image.pk}/")
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("member", 200), ("outsider", 404), ("anonymous", 404)]
)
def test_imagelist_is_the_text_sliderunner_parses(cast: Cast, as_user, role, status) -> None:
    response = as_user(getattr(cast, role)).get(f"/images/imagelist/{cast.image_set.pk}/")
    assert response.status_code == status
    if status == 200:
        entries = [x for x in response.content.decode().split(",") if "?" in x]
        parsed = [(int(x.split("?")[0].split("/")[-2]), x.split("?")[1]) for x in entries]
        assert parsed == [(cast.image.pk, cast.image.name)]


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 201), ("member", 201), ("outsider", 404), ("anonymous", 401)]
)
def test_plugin_job_create_answers_by_role(cast: Cast, as_user, role, status) -> None:
    plugin = Plugin.objects.create(name="mitosis finder")
    body = {"image_id": cast.image.pk, "plugin_id": plugin.pk}
    response = as_user(getattr(cast, role)).post_json("/processing/api/plugin_job/create/", body)
    assert response.status_code == status
    assert PluginJob.objects.count() == (1 if status == 201 else 0)
    if status == 201:
        assert response.json()["plugin"] == plugin.pk
        again = as_user(getattr(cast, role)).post_json("/processing/api/plugin_job/create/", body)
        assert again.status_code == 400


def test_plugin_job_create_for_an_unknown_plugin_is_a_404(cast: Cast, as_user) -> None:
    body = {"image_id": cast.image.pk, "plugin_id": 4242}
    response = as_user(cast.member).post_json("/processing/api/plugin_job/create/", body)
    assert response.status_code == 404
