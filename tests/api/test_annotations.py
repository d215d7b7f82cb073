"""Annotations: EXACT's upsert, bulk create, count, multiple delete, vectors, viewport, policy."""

import uuid

from lamella.annotations.models import Annotation, Verification
from lamella.annotations.services import create_annotation
from tests import factories
from tests.api.conftest import box

URL = "/api/v1/annotations/annotations/"


def payload(cast, box_type, **extra):
    return {"image": cast.image.pk, "annotation_type": box_type.pk, "vector": box(), **extra}


def test_a_member_creates_an_annotation_and_gets_201_with_a_generated_uuid(
    cast, client_for, box_type
):
    response = client_for(cast.member).post(URL, payload(cast, box_type), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert uuid.UUID(body["unique_identifier"])
    assert body["deleted"] is False
    assert body["user"] == cast.member.pk
    assert body["last_editor"] == cast.member.pk


def test_posting_a_known_unique_identifier_updates_and_returns_200(cast, client_for, box_type):
    client = client_for(cast.member)
    uid = str(uuid.uuid4())
    first = client.post(URL, payload(cast, box_type, unique_identifier=uid), format="json")
    assert first.status_code == 201
    again = payload(cast, box_type, unique_identifier=uid, vector=box(x2=90), deleted=1)
    second = client.post(URL, again, format="json")
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["vector"]["x2"] == 90
    assert second.json()["deleted"] is True
    assert Annotation.objects.count() == 1


def test_a_json_array_is_a_bulk_create_answered_with_an_array(cast, client_for, box_type):
    items = [payload(cast, box_type, vector=box(x1=n, x2=n + 5)) for n in range(5)]
    response = client_for(cast.member).post(URL, items, format="json")
    assert response.status_code == 201
    body = response.json()
    assert isinstance(body, list) and len(body) == 5
    assert all(row["id"] for row in body)
    assert Annotation.objects.filter(image=cast.image).count() == 5


def test_a_bulk_create_with_one_bad_vector_creates_nothing_and_names_the_item(
    cast, client_for, box_type
):
    items = [payload(cast, box_type), payload(cast, box_type, vector={"x1": 5, "y1": 5})]
    response = client_for(cast.member).post(URL, items, format="json")
    assert response.status_code == 400
    assert "item 1" in response.json()["detail"]
    assert Annotation.objects.count() == 0


def test_a_box_with_x2_left_of_x1_is_a_400_naming_the_problem(cast, client_for, box_type):
    bad = payload(cast, box_type, vector=box(x1=50, x2=10))
    response = client_for(cast.member).post(URL, bad, format="json")
    assert response.status_code == 400
    assert "x" in response.json()["detail"]


def test_an_unknown_annotation_type_is_a_400(cast, client_for, box_type):
    response = client_for(cast.member).post(
        URL, payload(cast, box_type, annotation_type=999999), format="json"
    )
    assert response.status_code == 400
    assert "annotation_type 999999" in response.json()["detail"]


def test_an_outsider_cannot_annotate_a_private_set(cast, client_for, box_type):
    response = client_for(cast.outsider).post(URL, payload(cast, box_type), format="json")
    assert response.status_code == 404
    assert Annotation.objects.count() == 0


def test_an_outsider_may_annotate_a_public_collaboration_set_but_not_a_public_one(
    cast, client_for, box_type
):
    cast.image_set.public = True
    cast.image_set.save()
    client = client_for(cast.outsider)
    assert client.post(URL, payload(cast, box_type), format="json").status_code == 403
    cast.image_set.public_collaboration = True
    cast.image_set.save()
    assert client.post(URL, payload(cast, box_type), format="json").status_code == 201


def test_an_outsider_sees_no_annotations_of_a_private_set(cast, client_for, box_type):
    create_annotation(user=cast.member, image=cast.image, annotation_type=box_type, vector=box())
    assert client_for(cast.outsider).get(URL).json()["count"] == 0
    assert client_for(None).get(URL).json()["count"] == 0
    assert client_for(cast.member).get(URL).json()["count"] == 1


def test_anonymous_reads_annotations_of_a_public_set_only(cast, client_for, box_type):
    create_annotation(user=cast.member, image=cast.image, annotation_type=box_type, vector=box())
    public_set = factories.make_image_set(team=cast.team, public=True)
    public_image = factories.make_image(image_set=public_set)
    create_annotation(user=cast.member, image=public_image, annotation_type=box_type, vector=box())
    body = client_for(None).get(URL).json()
    assert body["count"] == 1
    assert body["results"][0]["image"] == public_image.pk
    assert client_for(None).post(URL, payload(cast, box_type), format="json").status_code == 401


def test_patch_sets_the_last_editor_and_honours_last_edit_time(cast, client_for, box_type):
    annotation = create_annotation(
        user=cast.owner, image=cast.image, annotation_type=box_type, vector=box()
    )
    response = client_for(cast.member).patch(
        f"{URL}{annotation.pk}/",
        {"deleted": True, "last_edit_time": "2024-03-01T10:11:12.123456"},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["deleted"] is True
    assert body["last_editor"] == cast.member.pk
    assert body["last_edit_time"] == "2024-03-01T10:11:12.123456"


def test_delete_removes_the_row(cast, client_for, box_type):
    annotation = create_annotation(
        user=cast.owner, image=cast.image, annotation_type=box_type, vector=box()
    )
    assert client_for(cast.member).delete(f"{URL}{annotation.pk}/").status_code == 204
    assert not Annotation.objects.filter(pk=annotation.pk).exists()


def test_count_applies_the_list_filters(cast, client_for, box_type):
    for deleted in (False, False, True):
        create_annotation(
            user=cast.member, image=cast.image, annotation_type=box_type, vector=box(),
            deleted=deleted,
        )  # fmt: skip
    client = client_for(cast.member)
    assert client.get(f"{URL}count/?image={cast.image.pk}").json() == {"count": 3}
    assert client.get(f"{URL}count/?deleted=0").json() == {"count": 2}
    assert client.get(f"{URL}count/?deleted=true").json() == {"count": 1}


def test_multiple_delete_removes_exactly_the_listed_ids(cast, client_for, box_type):
    made = [
        create_annotation(
            user=cast.member, image=cast.image, annotation_type=box_type, vector=box()
        )
        for _ in range(3)
    ]
    ids = f"{made[0].pk},{made[1].pk}"
    response = client_for(cast.member).delete(f"{URL}multiple_delete/?id__in={ids}")
    assert response.status_code == 204
    assert list(Annotation.objects.values_list("id", flat=True)) == [made[2].pk]


def test_multiple_delete_without_ids_is_a_400(cast, client_for):
    response = client_for(cast.member).delete(f"{URL}multiple_delete/")
    assert response.status_code == 400
    assert "id__in" in response.json()["detail"]


def test_last_edit_time_gte_accepts_exacts_space_separated_format(cast, client_for, box_type):
    create_annotation(
        user=cast.member, image=cast.image, annotation_type=box_type, vector=box(),
        last_edit_time=_aware("2024-01-01T00:00:00"),
    )  # fmt: skip
    create_annotation(
        user=cast.member, image=cast.image, annotation_type=box_type, vector=box(),
        last_edit_time=_aware("2025-06-01T00:00:00"),
    )  # fmt: skip
    client = client_for(cast.member)
    for value in ("2025-01-01+00:00:00", "2025-01-01T00:00:00.000000", "2025-01-01"):
        assert client.get(f"{URL}?last_edit_time__gte={value}").json()["count"] == 1, value


def test_verified_by_user_is_true_only_for_the_requesters_acceptance(cast, client_for, box_type):
    mine, theirs = (
        create_annotation(
            user=cast.member, image=cast.image, annotation_type=box_type, vector=box()
        )
        for _ in range(2)
    )
    Verification.objects.create(annotation=mine, user=cast.member, verified=True)
    Verification.objects.create(annotation=theirs, user=cast.owner, verified=True)
    rows = client_for(cast.member).get(URL).json()["results"]
    assert {row["id"]: row["verified_by_user"] for row in rows} == {
        mine.pk: True,
        theirs.pk: False,
    }


def test_in_bbox_returns_the_annotations_meeting_the_viewport(cast, client_for, box_type):
    near = create_annotation(
        user=cast.member, image=cast.image, annotation_type=box_type, vector=box(10, 10, 20, 20)
    )
    create_annotation(
        user=cast.member, image=cast.image, annotation_type=box_type,
        vector=box(5000, 5000, 5100, 5100),
    )  # fmt: skip
    client = client_for(cast.member)
    body = client.get(f"{URL}?image={cast.image.pk}&in_bbox=0,0,100,100&frame=1").json()
    assert [row["id"] for row in body["results"]] == [near.pk]


def test_in_bbox_without_an_image_is_a_400(cast, client_for):
    response = client_for(cast.member).get(f"{URL}?in_bbox=0,0,100,100")
    assert response.status_code == 400
    assert "image" in response.json()["detail"]


def test_flex_fields_expand_and_select_nested_fields(cast, client_for, box_type):
    create_annotation(user=cast.member, image=cast.image, annotation_type=box_type, vector=box())
    client = client_for(cast.member)
    row = client.get(f"{URL}?expand=user,annotation_type&fields=id,user.username,annotation_type")
    result = row.json()["results"][0]
    assert set(result) == {"id", "user", "annotation_type"}
    assert result["user"] == {"username": "member"}
    assert result["annotation_type"]["name"] == "cell"
    plain = client.get(URL).json()["results"][0]
    assert plain["user"] == cast.member.pk
    assert plain["uploaded_media_files"] == []


def _aware(text):
    from lamella.api.fields import parse_exact_datetime

    return parse_exact_datetime(text)


def test_a_body_that_is_neither_object_nor_array_is_a_400(cast, client_for):
    response = client_for(cast.member).post(URL, "text", format="json")
    assert response.status_code == 400
    assert "JSON object" in response.json()["detail"]


def test_a_bulk_item_that_is_not_an_object_is_a_400_naming_its_index(cast, client_for, box_type):
    response = client_for(cast.member).post(URL, [payload(cast, box_type), 7], format="json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("1: ")
