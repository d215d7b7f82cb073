"""A bulk create's plain items skip DRF's fields with the serializer's result; anything else
goes through the serializer, which keeps its leniency and its error messages."""

import uuid

import pytest

from lamella.annotations.api.bulk_input import plain_items
from lamella.annotations.api.serializers import AnnotationInputSerializer
from lamella.annotations.models import Annotation
from tests.api.conftest import box

URL = "/api/v1/annotations/annotations/"


def _serializer(items):
    inputs = AnnotationInputSerializer(data=items, many=True)
    assert inputs.is_valid(), inputs.errors
    return [dict(item) for item in inputs.validated_data]


PLAIN = [
    {"image": 1, "annotation_type": 2, "vector": box(), "extra": [1], "uploaded_media_files": []},
    {
        "image": 3,
        "annotation_type": 4,
        "vector": None,
        "unique_identifier": "{12345678-1234-5678-1234-567812345678}",
        "deleted": True,
        "description": 'naïve "quoted" \\ text\n',
        "meta_data": {"nested": [1, None]},
        "concealed": False,
        "blurred": True,
        "generated": False,
        "score": 3,
        "time": "2024-05-17T14:03:27.123456",
        "last_edit_time": "2024-05-17 14:03:27",
    },
    {
        "image": 2**63 - 1,
        "annotation_type": 1,
        "unique_identifier": None,
        "score": 0.5,
        "time": "2024-05-17",
    },
    {"image": 1, "annotation_type": 1, "description": "", "meta_data": None, "score": None},
]


def test_plain_items_are_validated_exactly_as_the_serializer_does():
    ours = plain_items(PLAIN)
    assert ours == _serializer(PLAIN)
    assert isinstance(ours[1]["unique_identifier"], uuid.UUID)
    assert type(ours[1]["score"]) is float


@pytest.mark.parametrize(
    "change",
    [
        {"image": "1"},  # a string id
        {"deleted": 1},  # EXACT's 0/1 booleans
        {"concealed": "true"},
        {"score": "0.5"},
        {"description": 7},
        {"unique_identifier": 12345},
    ],
)
def test_lenient_spellings_go_to_the_serializer_which_accepts_them(change):
    items = [dict(PLAIN[0], **change)]
    assert plain_items(items) is None
    assert _serializer(items)  # still valid there


@pytest.mark.parametrize(
    "item",
    [
        {"annotation_type": 1},  # no image
        {"image": 0, "annotation_type": 1},
        {"image": True, "annotation_type": 1},
        {"image": 1, "annotation_type": 1, "score": float("inf")},
        {"image": 1, "annotation_type": 1, "score": 10**400},
        {"image": 1, "annotation_type": 1, "description": "x" * 1001},
        {"image": 1, "annotation_type": 1, "description": "nul \x00"},
        {"image": 1, "annotation_type": 1, "unique_identifier": "not a uuid"},
        {"image": 1, "annotation_type": 1, "deleted": None},
        {"image": 1, "annotation_type": 1, "time": "yesterday"},
        "not an object",
    ],
)
def test_invalid_items_are_left_to_the_serializer(item):
    assert plain_items([PLAIN[0], item]) is None
    assert not AnnotationInputSerializer(data=[item], many=True).is_valid()


def test_an_empty_array_is_left_to_the_serializer():
    assert plain_items([]) is None


def test_a_bulk_create_with_exacts_spellings_still_succeeds(cast, client_for, box_type):
    item = {"image": str(cast.image.pk), "annotation_type": box_type.pk, "vector": box()}
    response = client_for(cast.member).post(URL, [dict(item, deleted=1)], format="json")
    assert response.status_code == 201, response.content
    assert response.json()[0]["deleted"] is True


def test_a_bulk_item_with_a_bad_type_is_a_400_and_creates_nothing(cast, client_for, box_type):
    good = {"image": cast.image.pk, "annotation_type": box_type.pk, "vector": box()}
    response = client_for(cast.member).post(URL, [good, dict(good, score="many")], format="json")
    assert response.status_code == 400
    assert "score" in response.content.decode()
    assert not Annotation.objects.exists()


def test_the_bulk_answer_equals_the_list_of_the_created_rows(cast, client_for, box_type):
    client = client_for(cast.member)
    items = [
        {"image": cast.image.pk, "annotation_type": box_type.pk, "vector": box(x1=n, x2=n + 9)}
        for n in range(5)
    ] + [{"image": cast.image.pk, "annotation_type": box_type.pk, "score": 2.0, "vector": None}]
    created = client.post(URL, items, format="json")
    assert created.status_code == 201
    listed = client.get(URL, {"image": cast.image.pk}).json()["results"]
    assert created.json() == listed
