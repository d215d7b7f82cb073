"""The plain list (written by the database) and the hand-written serializer output equal DRF's
serializer, field by field, for annotations that exercise every field's conversion."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lamella.annotations.api import list_rows
from lamella.annotations.models import (
    Annotation,
    AnnotationMediaFile,
    AnnotationVersion,
    Verification,
)
from lamella.annotations.services import bulk_create_annotations, create_annotation
from lamella.api.fields import format_exact_datetime
from lamella.images.models import SetVersion
from tests import factories
from tests.api.conftest import box

URL = "/api/v1/annotations/annotations/"
FIELDS = (
    "annotation_type,id,vector,verified_by_user,image,concealed,blurred,last_editor,"
    "last_edit_time,user,time,generated,score,deleted,description,unique_identifier,"
    "uploaded_media_files,meta_data,annotationversion_set"
)


@pytest.fixture
def varied(cast, box_type):
    """Annotations whose fields each take an unusual value somewhere."""
    items = [
        {"vector": box(), "description": 'quote " backslash \\ newline \n tab \t é ☃'},
        {"vector": None, "score": 0.1 + 0.2, "meta_data": {"a": [1, 2.5, None, "x"]}},
        {"vector": box(x1=1, x2=2), "score": 1.0, "generated": True, "deleted": True},
        {"vector": box(), "concealed": True, "blurred": True, "score": 1e-7},
        {"vector": box(), "meta_data": "just text", "description": ""},
    ]
    made = bulk_create_annotations(
        user=cast.member,
        items=[{"image": cast.image, "annotation_type": box_type, **item} for item in items],
    )
    made.append(
        create_annotation(
            user=cast.owner, image=cast.image, annotation_type=box_type, vector=box(), score=-2.5
        )
    )
    Verification.objects.create(annotation=made[1], user=cast.member)
    Verification.objects.create(annotation=made[2], user=cast.owner)  # someone else's
    Verification.objects.create(annotation=made[3], user=cast.member, verified=False)
    for name in ("b.txt", "a.txt"):
        AnnotationMediaFile.objects.create(name=name, file=name, annotation=made[0])
    version = SetVersion.objects.create(name="v1")
    for annotation in (made[0], made[4]):
        AnnotationVersion.objects.create(
            version=version, annotation=annotation, image=cast.image,
            annotation_type=box_type, vector=box(),
        )  # fmt: skip
    return made


def _results(client, **params):
    response = client.get(URL, {"image": params.pop("image"), "limit": 100, **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_plain_list_equals_the_serializers_output(cast, client_for, varied):
    client = client_for(cast.member)
    plain = _results(client, image=cast.image.pk)
    drf = _results(client, image=cast.image.pk, fields=FIELDS)
    assert [row["id"] for row in plain] == [a.pk for a in varied]
    assert plain == drf
    assert [list(row) for row in plain] == [list(row) for row in drf]  # key order too


def test_the_plain_list_shows_each_field_as_stored(cast, client_for, varied):
    rows = _results(client_for(cast.member), image=cast.image.pk)
    assert rows[0]["description"] == 'quote " backslash \\ newline \n tab \t é ☃'
    assert rows[0]["uploaded_media_files"] == sorted(
        AnnotationMediaFile.objects.filter(annotation=varied[0]).values_list("id", flat=True)
    )
    assert len(rows[0]["annotationversion_set"]) == 1 and rows[1]["annotationversion_set"] == []
    assert rows[1]["vector"] is None and rows[1]["score"] == 0.1 + 0.2
    assert rows[1]["meta_data"] == {"a": [1, 2.5, None, "x"]}
    assert [row["verified_by_user"] for row in rows] == [False, True, False, False, False, False]
    assert rows[2]["score"] == 1.0 and isinstance(rows[2]["score"], float)
    assert rows[2]["deleted"] is True and rows[2]["generated"] is True
    assert rows[3]["concealed"] is True and rows[3]["score"] == 1e-7
    assert rows[4]["meta_data"] == "just text" and rows[5]["user"] == cast.owner.pk


def test_anonymous_readers_get_the_same_rows_unverified(cast, client_for, varied):
    cast.image_set.public = True
    cast.image_set.save()
    rows = _results(client_for(None), image=cast.image.pk)
    drf = _results(client_for(None), image=cast.image.pk, fields=FIELDS)
    assert rows == drf and not any(row["verified_by_user"] for row in rows)


def test_a_single_annotation_in_the_plain_shape_equals_the_serializers(cast, client_for, varied):
    client = client_for(cast.member)
    for annotation in varied:
        plain = client.get(f"{URL}{annotation.pk}/").json()
        drf = client.get(f"{URL}{annotation.pk}/", {"fields": FIELDS}).json()
        assert plain == drf and list(plain) == list(drf)


def test_pages_put_together_are_the_whole_list(cast, client_for, varied):
    client = client_for(cast.member)
    whole = _results(client, image=cast.image.pk)
    pages = [
        _results(client, image=cast.image.pk, limit=2, offset=offset) for offset in (0, 2, 4, 6)
    ]
    assert [row for page in pages for row in page] == whole and pages[-1] == []


def test_a_page_beyond_the_parameter_limit_reads_its_extras_by_subquery(
    cast, client_for, varied, monkeypatch
):
    client = client_for(cast.member)
    by_parameters = _results(client, image=cast.image.pk)
    monkeypatch.setattr(list_rows, "IDS_AS_PARAMETERS", 2)
    assert _results(client, image=cast.image.pk) == by_parameters
    assert _results(client, image=cast.image.pk, offset=1, limit=4) == by_parameters[1:5]


def test_a_zone_other_than_utc_gives_the_same_times_as_the_serializer(
    cast, client_for, varied, settings
):
    settings.TIME_ZONE = "America/New_York"
    client = client_for(cast.member)
    plain = _results(client, image=cast.image.pk)
    assert plain == _results(client, image=cast.image.pk, fields=FIELDS)
    stored = Annotation.objects.get(pk=varied[0].pk).time
    assert plain[0]["time"] == format_exact_datetime(stored)
    assert plain[0]["time"] != stored.replace(tzinfo=None).isoformat(timespec="microseconds")


def test_the_browsable_api_still_renders_the_list(cast, client_for, varied):
    response = client_for(cast.member).get(URL, {"image": cast.image.pk, "format": "api"})
    assert response.status_code == 200 and b"unique_identifier" in response.content


def test_an_indented_json_answer_comes_from_drfs_renderer(cast, client_for, varied):
    client = client_for(cast.member)
    response = client.get(URL, {"image": cast.image.pk}, HTTP_ACCEPT="application/json; indent=2")
    assert response.status_code == 200 and b'\n  "count": 6' in response.content
    assert json.loads(response.content)["results"] == _results(client, image=cast.image.pk)


def test_the_frame_filter_keeps_multi_frame_types_without_a_join(cast, client_for, product):
    single = factories.make_annotation_type(product=product, name="single")
    every = factories.make_annotation_type(product=product, name="every", multi_frame=True)
    made = [
        create_annotation(
            user=cast.member, image=cast.image, annotation_type=kind, vector=box(frame=frame)
        )
        for kind, frame in ((single, 1), (single, 2), (every, 2))
    ]
    with CaptureQueriesContext(connection) as queries:
        rows = _results(client_for(cast.member), image=cast.image.pk, frame=1)
    assert [row["id"] for row in rows] == [made[0].pk, made[2].pk]
    assert not any('JOIN "annotations_annotationtype"' in q["sql"] for q in queries)
