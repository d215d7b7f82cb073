"""``/annotations/api/annotation/…`` as owner, member, outsider and anonymous."""

import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lamella.annotations import services
from lamella.annotations.models import Annotation, AnnotationType, Verification
from tests import factories
from tests.conftest import Cast
from tests.legacy.conftest import box

BASE = "/annotations/api/annotation/"


def make(cast: Cast, box_type: AnnotationType, **fields: Any) -> Annotation:
    return services.create_annotation(
        user=cast.owner, image=cast.image, annotation_type=box_type, vector=box(), **fields
    )


def create_body(cast: Cast, box_type: AnnotationType, **extra: Any) -> dict[str, Any]:
    return {
        "image_id": cast.image.pk,
        "annotation_type_id": box_type.pk,
        "vector": box(),
        "unique_identifier": str(uuid.uuid4()),
        "deleted": False,
        "last_edit_time": "2024-05-06T07:08:09.123456",
        "blurred": False,
        "description": "mitosis",
        **extra,
    }


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("member", 200), ("outsider", 404), ("anonymous", 404)]
)
def test_load_answers_by_role(cast: Cast, box_type: AnnotationType, as_user, role, status) -> None:
    make(cast, box_type)
    response = as_user(getattr(cast, role)).get(BASE + "load/", image_id=cast.image.pk)
    assert response.status_code == status
    if status == 200:
        assert len(response.json()["annotations"]) == 1
    else:
        assert "detail" in response.json()


def test_load_has_the_nested_shape_sliderunner_reads(
    cast: Cast, box_type: AnnotationType, as_user
) -> None:
    annotation = make(cast, box_type, description="x")
    services.verify_annotation(user=cast.member, annotation=annotation, verified=True)
    services.update_annotation(user=cast.member, annotation=annotation, description="y")
    row = as_user(cast.member).get(BASE + "load/", image_id=cast.image.pk).json()["annotations"][0]
    assert set(row) == {
        "id", "vector", "last_edit_time", "deleted", "description", "unique_identifier",
        "annotation_type", "media_files", "image", "last_editor", "first_editor", "is_verified",
        "meta_data",
    }  # fmt: skip
    assert row["annotation_type"] == {
        "id": box_type.pk, "closed": True, "name": "cell", "vector_type": 1,
        "color_code": box_type.color_code, "multi_frame": False, "area_hit_test": True,
    }  # fmt: skip
    assert row["last_editor"] == {"id": cast.member.pk, "name": "member"}
    assert row["first_editor"] == {"id": cast.owner.pk, "name": "owner"}
    assert row["image"] == {"id": cast.image.pk, "name": cast.image.name}
    assert row["is_verified"] is True
    assert row["unique_identifier"] == str(annotation.unique_identifier)
    # SlideRunner: datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f")
    assert len(row["last_edit_time"]) == 26 and row["last_edit_time"][10] == "T"


def test_load_reads_a_public_set_anonymously_and_skips_deleted(
    cast: Cast, box_type: AnnotationType, as_user
) -> None:
    cast.image_set.public = True
    cast.image_set.save()
    make(cast, box_type)
    make(cast, box_type, deleted=True)
    response = as_user(None).get(BASE + "load/", image_id=cast.image.pk)
    assert response.status_code == 200
    assert [a["deleted"] for a in response.json()["annotations"]] == [False]


def test_load_runs_the_same_number_of_queries_for_one_or_many_rows(
    cast: Cast, box_type: AnnotationType, as_user
) -> None:
    client = as_user(cast.member)
    make(cast, box_type)
    with CaptureQueriesContext(connection) as one:
        client.get(BASE + "load/", image_id=cast.image.pk)
    for _ in range(30):
        annotation = make(cast, box_type)
        services.verify_annotation(user=cast.owner, annotation=annotation, verified=True)
    with CaptureQueriesContext(connection) as many:
        response = client.get(BASE + "load/", image_id=cast.image.pk)
    assert len(response.json()["annotations"]) == 31
    assert len(many.captured_queries) == len(one.captured_queries)


def test_load_without_image_id_is_a_400(cast: Cast, as_user) -> None:
    response = as_user(cast.member).get(BASE + "load/", image_id="abc")
    assert response.status_code == 400
    assert "image_id" in response.json()["detail"]


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 201), ("member", 201), ("outsider", 404), ("anonymous", 401)]
)
def test_create_answers_by_role(
    cast: Cast, box_type: AnnotationType, as_user, role, status
) -> None:
    response = as_user(getattr(cast, role)).post_json(BASE + "create/", create_body(cast, box_type))
    assert response.status_code == status
    assert Annotation.objects.count() == (1 if status == 201 else 0)


def test_create_keeps_the_client_time_and_verifies_for_the_author(
    cast: Cast, box_type: AnnotationType, as_user
) -> None:
    body = create_body(cast, box_type, tempid=7)
    response = as_user(cast.member).post_json(BASE + "create/", body)
    data = response.json()
    assert data["tempid"] == 7
    created = data["annotations"]
    assert created["last_edit_time"] == "2024-05-06T07:08:09.123456"
    assert created["unique_identifier"] == body["unique_identifier"]
    assert created["is_verified"] is True
    assert Verification.objects.filter(annotation_id=created["id"], user=cast.member).exists()


def test_create_twice_with_one_identifier_updates_instead_of_duplicating(
    cast: Cast, box_type: AnnotationType, as_user
) -> None:
    client = as_user(cast.member)
    body = create_body(cast, box_type)
    first = client.post_json(BASE + "create/", body).json()["annotations"]
    again = client.post_json(BASE + "create/", {**body, "vector": box(x2=90)})
    assert again.status_code == 201
    assert again.json()["annotations"]["id"] == first["id"]
    assert Annotation.objects.get().vector == {**box(), "x2": 90}


def test_a_global_type_keeps_one_annotation_per_image(cast: Cast, product, as_user) -> None:
    label = factories.make_annotation_type(product=product, vector_type=7, name="tumour")
    client = as_user(cast.member)
    body = {"image_id": cast.image.pk, "annotation_type_id": label.pk, "vector": {"frame": 1}}
    first = client.post_json(BASE + "create/", body).json()["annotations"]
    Annotation.objects.filter(pk=first["id"]).update(deleted=True)
    second = client.post_json(BASE + "create/", body).json()["annotations"]
    assert second["id"] == first["id"] and second["deleted"] is False
    assert Annotation.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"vector": {"x1": 50, "y1": 10, "x2": 10, "y2": 40}}, "x2"),
        ({"unique_identifier": "not-a-uuid"}, "unique_identifier"),
        ({"last_edit_time": "yesterday"}, "last_edit_time"),
        ({"deleted": "maybe"}, "deleted"),
        ({"annotation_type_id": 999999}, "annotation_type_id"),
    ],
)
def test_create_refuses_bad_input_with_a_400(
    cast: Cast, box_type: AnnotationType, as_user, change, fragment
) -> None:
    response = as_user(cast.member).post_json(
        BASE + "create/", create_body(cast, box_type, **change)
    )
    assert response.status_code == 400
    assert fragment in response.json()["detail"]


def test_create_with_a_json_array_body_is_a_400(cast: Cast, as_user) -> None:
    response = as_user(cast.member).post_json(BASE + "create/", [1, 2])
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("member", 200), ("outsider", 404), ("anonymous", 401)]
)
def test_update_answers_by_role(
    cast: Cast, box_type: AnnotationType, as_user, role, status
) -> None:
    annotation = make(cast, box_type)
    body = {
        "annotation_id": annotation.pk,
        "image_id": cast.image.pk,
        "annotation_type_id": box_type.pk,
        "vector": box(x1=20),
        "deleted": 0,
        "last_edit_time": "2025-01-02T03:04:05.000006",
    }
    response = as_user(getattr(cast, role)).post_json(BASE + "update/", body)
    assert response.status_code == status
    annotation.refresh_from_db()
    assert (annotation.vector == box(x1=20)) == (status == 200)
    if status == 200:
        assert response.json()["annotations"]["last_edit_time"] == "2025-01-02T03:04:05.000006"


def test_update_of_another_image_is_a_400(cast: Cast, box_type: AnnotationType, as_user) -> None:
    annotation = make(cast, box_type)
    other = factories.make_image(image_set=cast.image_set)
    body = {"annotation_id": annotation.pk, "image_id": other.pk, "vector": box()}
    assert as_user(cast.member).post_json(BASE + "update/", body).status_code == 400


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("member", 200), ("outsider", 404), ("anonymous", 401)]
)
def test_delete_answers_by_role(
    cast: Cast, box_type: AnnotationType, as_user, role, status
) -> None:
    annotation = make(cast, box_type)
    url = f"{BASE}delete/?annotation_id={annotation.pk}&keep_deleted_element=False"
    response = as_user(getattr(cast, role)).delete(url)
    assert response.status_code == status
    assert Annotation.objects.filter(pk=annotation.pk).exists() == (status != 200)


def test_delete_keeping_the_element_marks_it_deleted(
    cast: Cast, box_type: AnnotationType, as_user
) -> None:
    annotation = make(cast, box_type)
    url = f"{BASE}delete/?annotation_id={annotation.pk}&keep_deleted_element=True"
    response = as_user(cast.member).delete(url)
    assert response.json()["annotations"]["deleted"] is True
    annotation.refresh_from_db()
    assert annotation.deleted is True


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("member", 200), ("outsider", 404), ("anonymous", 401)]
)
def test_verify_answers_by_role(
    cast: Cast, box_type: AnnotationType, as_user, role, status
) -> None:
    annotation = make(cast, box_type)
    body = {"annotation_id": annotation.pk, "state": "reject"}
    response = as_user(getattr(cast, role)).post_json(BASE + "verify/", body)
    assert response.status_code == status
    rejected = Verification.objects.filter(annotation=annotation, verified=False)
    assert rejected.exists() == (status == 200)


def test_verify_with_an_unknown_state_is_a_400(
    cast: Cast, box_type: AnnotationType, as_user
) -> None:
    annotation = make(cast, box_type)
    body = {"annotation_id": annotation.pk, "state": "perhaps"}
    assert as_user(cast.member).post_json(BASE + "verify/", body).status_code == 400


@pytest.mark.parametrize(
    ("role", "status"), [("owner", 200), ("member", 200), ("outsider", 404), ("anonymous", 404)]
)
def test_load_annotation_types_answers_by_role(
    cast: Cast, box_type: AnnotationType, as_user, role, status
) -> None:
    url = BASE + "loadannotationtypes/"
    response = as_user(getattr(cast, role)).get(url, imageset_id=cast.image_set.pk)
    assert response.status_code == status
    if status == 200:
        (only,) = response.json()["annotation_types"]
        assert only["id"] == box_type.pk and only["product"] == box_type.product_id
        assert {"node_count", "default_width", "sort_order", "enable_blurred"} <= set(only)


def test_load_annotation_types_without_a_set_lists_only_visible_products(
    cast: Cast, box_type: AnnotationType, as_user
) -> None:
    url = BASE + "loadannotationtypes/"
    assert len(as_user(cast.member).get(url).json()["annotation_types"]) == 1
    assert as_user(cast.outsider).get(url).json()["annotation_types"] == []
