"""Conflict detection: a PATCH made on an old version of an annotation is answered 409."""

import json
from typing import Any

from django.test import Client

from lamella.accounts.models import User
from lamella.annotations import services
from lamella.annotations.models import Annotation
from tests import factories
from tests.conftest import Cast

BOX = {"x1": 10, "y1": 20, "x2": 60, "y2": 80}


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_box(cast: Cast) -> Annotation:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    box = factories.make_annotation_type(product=product, vector_type=1)
    return services.create_annotation(
        user=cast.owner, image=cast.image, annotation_type=box, vector=BOX
    )


def patch(client: Client, annotation: Annotation, body: dict[str, Any]) -> Any:
    return client.patch(
        f"/api/v1/annotations/annotations/{annotation.pk}/",
        json.dumps(body),
        content_type="application/json",
    )


def test_a_patch_on_the_current_version_is_saved(cast: Cast) -> None:
    annotation = make_box(cast)
    client = logged_in(cast.member)
    seen = client.get(f"/api/v1/annotations/annotations/{annotation.pk}/").json()
    moved = {"x1": 11, "y1": 21, "x2": 61, "y2": 81}
    body = {"vector": moved, "expected_last_edit_time": seen["last_edit_time"]}
    response = patch(client, annotation, body)
    assert response.status_code == 200, response.content
    assert response.json()["vector"] == moved


def test_a_patch_on_an_older_version_is_a_409_with_the_current_state(cast: Cast) -> None:
    annotation = make_box(cast)
    member = logged_in(cast.member)
    seen = member.get(f"/api/v1/annotations/annotations/{annotation.pk}/").json()
    theirs = {"x1": 200, "y1": 200, "x2": 260, "y2": 280}
    assert patch(logged_in(cast.owner), annotation, {"vector": theirs}).status_code == 200
    mine = {"x1": 5, "y1": 5, "x2": 9, "y2": 9}
    body = {"vector": mine, "expected_last_edit_time": seen["last_edit_time"]}
    response = patch(member, annotation, body)
    assert response.status_code == 409
    answer = response.json()
    assert "someone else" in answer["detail"]
    assert answer["current"]["vector"] == theirs
    annotation.refresh_from_db()
    assert annotation.vector == theirs  # nothing overwritten


def test_a_patch_without_a_precondition_still_overwrites_as_in_exact(cast: Cast) -> None:
    annotation = make_box(cast)
    moved = {"x1": 1, "y1": 2, "x2": 30, "y2": 40}
    assert patch(logged_in(cast.member), annotation, {"vector": moved}).status_code == 200


def test_a_malformed_precondition_is_a_400(cast: Cast) -> None:
    annotation = make_box(cast)
    response = patch(logged_in(cast.member), annotation, {"expected_last_edit_time": "soon"})
    assert response.status_code == 400
    assert "expected_last_edit_time" in response.json()["detail"]
