"""The streaming endpoint: NDJSON and columnar output, filters, fields, permission, errors."""

import json
import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext

from lamella.annotations.models import Annotation
from lamella.annotations.services import bulk_create_annotations, verify_annotation
from lamella.api.fields import format_exact_datetime
from tests import factories
from tests.api.conftest import box

URL = "/api/v1/annotations/annotations/stream/"


def make_annotations(cast, box_type, count=3, **extra):
    items = [
        {"image": cast.image, "annotation_type": box_type, "vector": box(x1=n, x2=n + 5), **extra}
        for n in range(count)
    ]
    return bulk_create_annotations(user=cast.member, items=items)


def lines(response):
    body = b"".join(response.streaming_content).decode()
    assert body.endswith("\n") or body == ""
    return [json.loads(line) for line in body.splitlines()]


def test_a_member_streams_every_annotation_of_an_image_as_ndjson(cast, client_for, box_type):
    made = make_annotations(cast, box_type, count=4)
    response = client_for(cast.member).get(URL, {"image": cast.image.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    rows = lines(response)
    assert [row["id"] for row in rows] == [a.pk for a in made]
    first, stored = rows[0], Annotation.objects.get(pk=made[0].pk)
    assert first["vector"] == stored.vector
    assert first["unique_identifier"] == str(stored.unique_identifier)
    assert first["image"] == cast.image.pk and first["annotation_type"] == box_type.pk
    assert first["user"] == cast.member.pk and first["last_editor"] == cast.member.pk
    assert first["deleted"] is False and first["verified_by_user"] is False
    assert first["time"] == format_exact_datetime(stored.time)
    assert first["last_edit_time"] == format_exact_datetime(stored.last_edit_time)
    assert first["meta_data"] is None and first["score"] is None and first["description"] == ""


def test_each_line_has_the_list_endpoints_values(cast, client_for, box_type):
    make_annotations(
        cast, box_type, count=2, description='say "hi"\n', meta_data={"a": [1]}, score=0.25
    )
    client = client_for(cast.member)
    listed = client.get("/api/v1/annotations/annotations/", {"image": cast.image.pk}).json()
    streamed = lines(client.get(URL, {"image": cast.image.pk}))
    drop = {"uploaded_media_files", "annotationversion_set"}
    assert streamed == [
        {k: v for k, v in row.items() if k not in drop} for row in listed["results"]
    ]


def test_verified_by_user_is_true_for_the_requesters_own_acceptances(cast, client_for, box_type):
    made = make_annotations(cast, box_type, count=2)
    verify_annotation(user=cast.member, annotation=made[1], verified=True)
    verify_annotation(user=cast.owner, annotation=made[0], verified=True)
    rows = lines(client_for(cast.member).get(URL, {"image": cast.image.pk}))
    assert [row["verified_by_user"] for row in rows] == [False, True]


def test_fields_narrows_each_object_to_the_named_keys(cast, client_for, box_type):
    make_annotations(cast, box_type, count=2)
    response = client_for(cast.member).get(URL, {"image": cast.image.pk, "fields": "id,vector"})
    rows = lines(response)
    assert all(set(row) == {"id", "vector"} for row in rows)


def test_an_unknown_field_is_a_400_naming_it(cast, client_for):
    response = client_for(cast.member).get(URL, {"image": cast.image.pk, "fields": "id,colour"})
    assert response.status_code == 400
    assert "colour" in response.json()["detail"]


def test_the_deleted_and_annotation_type_filters_apply(cast, client_for, box_type, product):
    live = make_annotations(cast, box_type, count=2)
    gone = make_annotations(cast, box_type, count=1, deleted=True)
    other_type = factories.make_annotation_type(product=product, vector_type=1, name="other")
    other = make_annotations(cast, other_type, count=1)
    client = client_for(cast.member)
    ids = [row["id"] for row in lines(client.get(URL, {"image": cast.image.pk, "deleted": "0"}))]
    assert ids == [a.pk for a in live + other]
    ids = [row["id"] for row in lines(client.get(URL, {"image": cast.image.pk, "deleted": "1"}))]
    assert ids == [gone[0].pk]
    query = {"image": cast.image.pk, "annotation_type": other_type.pk}
    assert [row["id"] for row in lines(client.get(URL, query))] == [other[0].pk]


def test_in_bbox_keeps_only_the_annotations_meeting_the_viewport(cast, client_for, box_type):
    near = bulk_create_annotations(
        user=cast.member,
        items=[{"image": cast.image, "annotation_type": box_type, "vector": box(0, 0, 10, 10)}],
    )
    bulk_create_annotations(
        user=cast.member,
        items=[{"image": cast.image, "annotation_type": box_type, "vector": box(80, 80, 90, 90)}],
    )
    response = client_for(cast.member).get(URL, {"image": cast.image.pk, "in_bbox": "0,0,20,20"})
    assert [row["id"] for row in lines(response)] == [near[0].pk]


def test_in_bbox_on_an_image_without_annotations_is_an_empty_stream(cast, client_for):
    """The viewport selector knows the answer without a query; the stream must not choke."""
    client = client_for(cast.member)
    response = client.get(URL, {"image": cast.image.pk, "in_bbox": "0,0,20,20"})
    assert response.status_code == 200 and lines(response) == []
    listed = client.get(
        "/api/v1/annotations/annotations/", {"image": cast.image.pk, "in_bbox": "0,0,20,20"}
    )
    assert listed.status_code == 200 and listed.json()["count"] == 0


def test_columnar_returns_one_object_of_parallel_arrays(cast, client_for, box_type):
    made = make_annotations(cast, box_type, count=3)
    query = {"image": cast.image.pk, "format": "columnar", "fields": "id,vector,deleted"}
    response = client_for(cast.member).get(URL, query)
    assert response.status_code == 200
    body = json.loads(b"".join(response.streaming_content))
    assert body["count"] == 3
    assert body["fields"] == ["id", "vector", "deleted"]
    assert body["id"] == [a.pk for a in made]
    assert body["vector"][2] == box(x1=2, x2=7)
    assert body["deleted"] == [False, False, False]


def test_an_empty_image_streams_nothing(cast, client_for):
    response = client_for(cast.member).get(URL, {"image": cast.image.pk})
    assert response.status_code == 200
    assert lines(response) == []


def test_the_query_count_does_not_grow_with_the_number_of_annotations(cast, client_for, box_type):
    client = client_for(cast.member)

    def queries_for_stream() -> int:
        with CaptureQueriesContext(connection) as captured:
            lines(client.get(URL, {"image": cast.image.pk}))
        return len(captured)

    make_annotations(cast, box_type, count=2)
    few = queries_for_stream()
    make_annotations(cast, box_type, count=40)
    assert queries_for_stream() == few


def test_an_outsider_gets_404_for_a_private_image(cast, client_for, box_type):
    make_annotations(cast, box_type)
    response = client_for(cast.outsider).get(URL, {"image": cast.image.pk})
    assert response.status_code == 404
    assert "detail" in response.json()


def test_anonymous_users_stream_a_public_set_but_not_a_private_one(cast, client_for, box_type):
    make_annotations(cast, box_type, count=2)
    anonymous = client_for(None)
    assert anonymous.get(URL, {"image": cast.image.pk}).status_code == 404
    cast.image_set.public = True
    cast.image_set.save(update_fields=["public"])
    response = anonymous.get(URL, {"image": cast.image.pk})
    assert response.status_code == 200
    assert len(lines(response)) == 2


def test_a_bearer_token_authenticates_the_stream(cast, box_type):
    from rest_framework.test import APIClient

    from lamella.api.tokens import issue_token

    make_annotations(cast, box_type, count=1)
    _, plaintext = issue_token(user=cast.member, name="stream")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert client.get(URL, {"image": cast.image.pk}).status_code == 200


def test_bad_parameters_get_a_400_with_detail(cast, client_for):
    client = client_for(cast.member)
    image = cast.image.pk
    for query in (
        {},
        {"image": "x"},
        {"image": image, "frame": "-1"},
        {"image": image, "in_bbox": "1,2,3"},
        {"image": image, "deleted": "maybe"},
        {"image": image, "annotation_type": "a,b"},
        {"image": image, "format": "xml"},
    ):
        response = client.get(URL, query)
        assert response.status_code == 400, query
        assert response.json()["detail"], query


def test_an_unknown_image_is_a_404(cast, client_for):
    response = client_for(cast.member).get(URL, {"image": 10**12})
    assert response.status_code == 404


def test_the_unique_identifier_is_the_dashed_uuid(cast, client_for, box_type):
    given = uuid.uuid4()
    make_annotations(cast, box_type, count=1, unique_identifier=given)
    (row,) = lines(client_for(cast.member).get(URL, {"image": cast.image.pk}))
    assert row["unique_identifier"] == str(given)


def test_the_stream_is_in_the_openapi_schema(cast, client_for):
    schema = client_for(None).get("/api/v1/openapi/", {"format": "json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/v1/annotations/annotations/stream/" in text
    assert "application/x-ndjson" in text


def test_times_are_in_the_servers_zone_as_in_the_list(cast, client_for, box_type, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    make_annotations(cast, box_type, count=2)
    client = client_for(cast.member)
    listed = client.get("/api/v1/annotations/annotations/", {"image": cast.image.pk}).json()
    for shape in ("ndjson", "columnar"):
        response = client.get(URL, {"image": cast.image.pk, "format": shape, "fields": "id,time"})
        if shape == "ndjson":
            streamed = [row["time"] for row in lines(response)]
        else:
            streamed = json.loads(b"".join(response.streaming_content))["time"]
        assert streamed == [row["time"] for row in listed["results"]]


def test_columnar_with_every_field_is_the_ndjson_transposed(cast, client_for, box_type):
    make_annotations(cast, box_type, count=3, description='back\\slash "q"\n', meta_data=[1])
    make_annotations(cast, box_type, count=2, score=0.1 + 0.2, vector=None, deleted=True)
    client = client_for(cast.member)
    streamed = lines(client.get(URL, {"image": cast.image.pk}))
    response = client.get(URL, {"image": cast.image.pk, "format": "columnar"})
    body = json.loads(b"".join(response.streaming_content))
    assert body["count"] == 5 and body["fields"] == list(streamed[0])
    columns = [body[name] for name in body["fields"]]
    rows = [dict(zip(body["fields"], values, strict=True)) for values in zip(*columns, strict=True)]
    assert rows == streamed
    assert streamed[0]["description"] == 'back\\slash "q"\n'
