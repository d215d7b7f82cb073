"""Global behaviour: the paginated envelope, routes without slashes, errors, datetimes."""

import re

import pytest
from rest_framework.test import APIClient

from lamella.annotations.services import create_annotation
from tests import factories
from tests.api.conftest import box

DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$")


def test_a_list_has_the_exact_envelope_with_limit_and_offset_in_next(cast, client_for):
    for _ in range(3):
        factories.make_image(image_set=cast.image_set)
    response = client_for(cast.member).get("/api/v1/images/images/?limit=2")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 4
    assert "limit=2" in body["next"] and "offset=2" in body["next"]
    assert body["previous"] is None
    second = client_for(cast.member).get(body["next"]).json()
    assert [row["id"] for row in second["results"]] == sorted(r["id"] for r in second["results"])
    assert second["next"] is None


def test_the_default_page_size_is_fifty_and_next_names_it(cast, client_for):
    for _ in range(50):
        factories.make_image(image_set=cast.image_set)
    body = client_for(cast.member).get("/api/v1/images/images/").json()
    assert len(body["results"]) == 50
    assert "limit=50" in body["next"] and "offset=50" in body["next"]


def test_lists_are_ordered_by_id(cast, client_for, box_type):
    for n in range(5):
        create_annotation(
            user=cast.member, image=cast.image, annotation_type=box_type, vector=box(x1=n)
        )
    ids = [
        row["id"]
        for row in client_for(cast.member).get("/api/v1/annotations/annotations/").json()["results"]
    ]
    assert ids == sorted(ids)


def test_routes_without_a_trailing_slash_are_served(cast, client_for):
    client = client_for(cast.member)
    assert client.get("/api/v1/images/image_sets").status_code == 200
    assert client.get(f"/api/v1/images/image_sets/{cast.image_set.pk}").status_code == 200


def test_datetimes_are_naive_iso_with_microseconds(cast, client_for):
    body = client_for(cast.member).get(f"/api/v1/images/images/{cast.image.pk}/").json()
    assert DATETIME.match(body["time"]), body["time"]


def test_a_bad_filter_value_is_a_400_with_detail(cast, client_for):
    response = client_for(cast.member).get("/api/v1/images/images/?id=abc")
    assert response.status_code == 400
    assert "id" in response.json()["detail"]


def test_a_huge_id_filter_is_a_400_not_a_500(cast, client_for):
    response = client_for(cast.member).get(f"/api/v1/images/images/?id={10**30}")
    assert response.status_code == 400


def test_a_huge_offset_gives_an_empty_page(cast, client_for):
    response = client_for(cast.member).get(f"/api/v1/images/images/?offset={10**30}")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_an_empty_json_body_is_a_validation_error_not_a_parse_error(cast, client_for):
    response = client_for(cast.member).generic(
        "POST", "/api/v1/users/team_membership/", "", content_type="application/json"
    )
    assert response.status_code == 400
    assert "team" in response.json()["detail"]


def test_malformed_json_is_a_400_with_detail(cast, client_for):
    response = client_for(cast.member).generic(
        "POST", "/api/v1/users/teams/", "{nope", content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_an_unknown_object_is_a_404_with_detail(cast, client_for):
    response = client_for(cast.member).get("/api/v1/images/images/999999/")
    assert response.status_code == 404
    assert response.json()["detail"]


@pytest.mark.django_db
def test_the_openapi_schema_is_served_and_validates():
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    response = APIClient().get("/api/v1/openapi", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)  # raises on an invalid document
    assert "/api/v1/annotations/annotations/" in schema["paths"]


def test_the_api_root_lists_the_routes(cast, client_for):
    body = client_for(cast.member).get("/api/v1/").json()
    assert "annotations/annotations" in body
    assert "users/teams" in body
