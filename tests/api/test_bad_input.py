"""Malformed requests, endpoint by endpoint: each gets a 4xx with ``{"detail"}`` and writes nothing.

One table, one test: wrong types, missing fields, ids of rows that do not exist or that the
member may not read, negative paging, non-JSON bodies, huge numbers, bad datetimes.
"""

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from rest_framework.test import APIClient

from lamella.annotations.models import Annotation, AnnotationType, Product
from lamella.annotations.services import create_annotation
from tests import factories
from tests.api.conftest import box
from tests.conftest import Cast

HUGE = 10**30
A = "/api/v1/annotations/annotations/"


@dataclass(frozen=True)
class Bad:
    """One malformed request; ``{name}`` in ``url`` and string values of ``body`` are ids."""

    name: str
    method: str
    url: str
    body: Any = None
    #: Sent as is (``{name}`` still replaced) with this content type instead of as JSON.
    raw: str | None = None
    content_type: str = "application/json"


CASES = [
    # Paging and filters.
    Bad("negative limit", "get", A + "?limit=-1"),
    Bad("negative offset", "get", A + "?offset=-5"),
    Bad("limit not a number", "get", "/api/v1/images/images/?limit=ten"),
    Bad("filter id not a number", "get", A + "?image=abc"),
    Bad("filter id huge", "get", f"{A}?id={HUGE}"),
    Bad("filter id list with a word", "get", A + "?id__in=1,x"),
    Bad("filter uuid malformed", "get", A + "?unique_identifier=nope"),
    Bad("filter datetime malformed", "get", A + "?time__gte=yesterday"),
    Bad("filter datetime impossible", "get", A + "?last_edit_time__lte=2024-13-40"),
    Bad("filter range with one value", "get", A + "?time__range=2024-01-01"),
    Bad("filter boolean not a boolean", "get", A + "?deleted=maybe"),
    Bad("viewport with three numbers", "get", A + "?image={image}&in_bbox=1,2,3"),
    Bad("viewport with words", "get", A + "?image={image}&in_bbox=a,b,c,d"),
    Bad("viewport frame huge", "get", f"{A}?image={{image}}&in_bbox=0,0,9,9&frame={HUGE}"),
    Bad("image set filter huge", "get", f"/api/v1/images/image_sets/?team={HUGE}"),
    Bad(
        "type filter vector type huge",
        "get",
        f"/api/v1/annotations/annotation_types/?vector_type={HUGE}",
    ),
    Bad("verification filter time malformed", "get", "/api/v1/annotations/verifications/?time=x"),
    # Details of rows that do not exist or may not be read.
    Bad("annotation id huge", "get", f"{A}{HUGE}/"),
    Bad("annotation id not a number", "get", A + "abc/"),
    Bad("annotation in a private set", "get", A + "{hidden_annotation}/"),
    Bad("image in a private set", "get", "/api/v1/images/images/{hidden_image}/"),
    Bad("patch a hidden annotation", "patch", A + "{hidden_annotation}/", {"deleted": True}),
    Bad("delete a hidden image set", "delete", "/api/v1/images/image_sets/{hidden_set}/"),
    # Bodies that are not JSON objects.
    Bad("body not JSON", "post", A, raw="{bad"),
    Bad("body a JSON string", "post", A, raw='"x"'),
    Bad("body NaN", "post", A, raw='{"image": 1, "vector": {"x1": NaN}}'),
    Bad(
        "body form-encoded where JSON is parsed",
        "post",
        A,
        raw="image=1",
        content_type="text/plain",
    ),
    Bad("array of non-objects", "post", A, [1, 2]),
    Bad("image set body a list", "post", "/api/v1/images/image_sets/", raw="[]"),
    # Annotations: missing fields, wrong types, impossible vectors.
    Bad("annotation without image", "post", A, {"annotation_type": "{box_type}", "vector": box()}),
    Bad("annotation image id a word", "post", A, {"image": "x", "annotation_type": "{box_type}"}),
    Bad(
        "annotation image id huge",
        "post",
        A,
        {"image": HUGE, "annotation_type": "{box_type}", "vector": box()},
    ),
    Bad(
        "annotation image not existing",
        "post",
        A,
        {"image": 987654, "annotation_type": "{box_type}", "vector": box()},
    ),
    Bad(
        "annotation image in a private set",
        "post",
        A,
        {"image": "{hidden_image}", "annotation_type": "{box_type}", "vector": box()},
    ),
    Bad(
        "vector a list",
        "post",
        A,
        {"image": "{image}", "annotation_type": "{box_type}", "vector": [1, 2]},
    ),
    Bad(
        "vector a string",
        "post",
        A,
        {"image": "{image}", "annotation_type": "{box_type}", "vector": "box"},
    ),
    Bad(
        "box with x2 left of x1",
        "post",
        A,
        {"image": "{image}", "annotation_type": "{box_type}", "vector": box(x1=50, x2=10)},
    ),
    Bad(
        "box with a word coordinate",
        "post",
        A,
        {"image": "{image}", "annotation_type": "{box_type}", "vector": {**box(), "x1": "a"}},
    ),
    Bad(
        "box with a huge coordinate",
        "post",
        A,
        {"image": "{image}", "annotation_type": "{box_type}", "vector": box(x2=HUGE)},
    ),
    Bad(
        "box with a huge frame",
        "post",
        A,
        {"image": "{image}", "annotation_type": "{box_type}", "vector": box(frame=HUGE)},
    ),
    Bad(
        "box with a float frame",
        "post",
        A,
        {"image": "{image}", "annotation_type": "{box_type}", "vector": box(frame=1.5)},
    ),
    Bad(
        "annotation time out of range in UTC",
        "post",
        A,
        {
            "image": "{image}",
            "annotation_type": "{box_type}",
            "vector": box(),
            "time": "0001-01-01T00:00:00+14:00",
        },
    ),
    Bad(
        "annotation score beyond float",
        "post",
        A,
        {"image": "{image}", "annotation_type": "{box_type}", "vector": box(), "score": HUGE**14},
    ),
    Bad("lone surrogate in a string", "post", "/api/v1/users/teams/", raw='{"name": "a\\ud800"}'),
    Bad(
        "annotation time malformed",
        "post",
        A,
        {"image": "{image}", "annotation_type": "{box_type}", "vector": box(), "time": "noon"},
    ),
    Bad(
        "annotation uuid malformed",
        "post",
        A,
        {
            "image": "{image}",
            "annotation_type": "{box_type}",
            "vector": box(),
            "unique_identifier": "x",
        },
    ),
    Bad(
        "annotation deleted not a boolean",
        "post",
        A,
        {
            "image": "{image}",
            "annotation_type": "{box_type}",
            "vector": box(),
            "deleted": "perhaps",
        },
    ),
    Bad(
        "annotation description with NUL",
        "post",
        A,
        {
            "image": "{image}",
            "annotation_type": "{box_type}",
            "vector": box(),
            "description": "a\x00b",
        },
    ),
    Bad(
        "bulk with one bad item",
        "post",
        A,
        [
            {"image": "{image}", "annotation_type": "{box_type}", "vector": box()},
            {"image": "{image}"},
        ],
    ),
    Bad("patch vector into a list", "patch", A + "{annotation}/", {"vector": [0]}),
    Bad(
        "patch annotation type to a word", "patch", A + "{annotation}/", {"annotation_type": "box"}
    ),
    Bad("multiple delete ids not numbers", "delete", A + "multiple_delete/?ids=a,b"),
    # Other resources.
    Bad("image set without name", "post", "/api/v1/images/image_sets/", {"team": "{team}"}),
    Bad(
        "image set in a team of others",
        "post",
        "/api/v1/images/image_sets/",
        {"name": "x", "team": "{other_team}"},
    ),
    Bad(
        "image set priority a word",
        "post",
        "/api/v1/images/image_sets/",
        {"name": "x", "team": "{team}", "priority": "high"},
    ),
    Bad("image set team huge", "post", "/api/v1/images/image_sets/", {"name": "x", "team": HUGE}),
    Bad("product without team", "post", "/api/v1/administration/products/", {"name": "p"}),
    Bad(
        "product with image sets a string",
        "post",
        "/api/v1/administration/products/",
        {"name": "p", "team": "{team}", "imagesets": "1"},
    ),
    Bad(
        "annotation type vector type unknown",
        "post",
        "/api/v1/annotations/annotation_types/",
        {"name": "t", "product": "{product}", "vector_type": 99},
    ),
    Bad(
        "annotation type vector type huge",
        "post",
        "/api/v1/annotations/annotation_types/",
        {"name": "t", "product": "{product}", "vector_type": HUGE},
    ),
    Bad(
        "annotation type without product",
        "post",
        "/api/v1/annotations/annotation_types/",
        {"name": "t", "vector_type": 1},
    ),
    Bad(
        "verification of a missing annotation",
        "post",
        "/api/v1/annotations/verifications/",
        {"annotation": 987654, "verified": True},
    ),
    Bad(
        "verification verified a word",
        "post",
        "/api/v1/annotations/verifications/",
        {"annotation": "{annotation}", "verified": "sure"},
    ),
    Bad(
        "membership of a missing user",
        "post",
        "/api/v1/users/team_membership/",
        {"team": "{team}", "user": 987654},
    ),
    Bad("team name a list", "post", "/api/v1/users/teams/", {"name": ["a"]}),
    Bad(
        "token expiry out of range in UTC",
        "post",
        "/api/v1/users/tokens/",
        {"name": "t", "expires_at": "9999-12-31T23:59:59-14:00"},
    ),
    Bad("token login with a JSON array", "post", "/api/auth/token/login/", raw="[1]"),
    Bad(
        "token login with a lone surrogate",
        "post",
        "/api/auth/token/login/",
        raw='{"username": "member", "password": "\\udc00"}',
    ),
    Bad(
        "token expiry malformed",
        "post",
        "/api/v1/users/tokens/",
        {"name": "t", "expires_at": "soon"},
    ),
    Bad(
        "log action image huge",
        "post",
        "/api/v1/annotations/log_image_actions/",
        {"image": HUGE, "action": 1},
    ),
    Bad(
        "screening mode image missing",
        "post",
        "/api/v1/images/screening_modes/",
        {"image": 987654, "user": "{member}"},
    ),
    Bad("stream without image", "get", A + "stream/"),
    Bad("stream image a word", "get", A + "stream/?image=abc"),
    Bad("count with a bad filter", "get", A + "count/?image=abc"),
]

#: Models whose rows a failed request must leave alone.
WATCHED = [
    "annotations.Annotation",
    "annotations.AnnotationType",
    "annotations.Product",
    "annotations.Verification",
    "annotations.AnnotationHistory",
    "images.ImageSet",
    "images.Image",
    "accounts.Team",
    "accounts.TeamMembership",
    "accounts.PersonalAccessToken",
]


@dataclass(frozen=True)
class World:
    cast: Cast
    product: Product
    box_type: AnnotationType
    annotation: Annotation
    ids: dict[str, int]


@pytest.fixture
def world(cast: Cast) -> World:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    box_type = factories.make_annotation_type(product=product, vector_type=1)
    annotation = create_annotation(
        user=cast.member, image=cast.image, annotation_type=box_type, vector=box()
    )
    other_team = factories.make_team(admin=cast.outsider)
    hidden_set = factories.make_image_set(team=other_team, creator=cast.outsider)
    hidden_image = factories.make_image(image_set=hidden_set)
    hidden_product = factories.make_product(team=other_team, image_sets=(hidden_set,))
    hidden_type = factories.make_annotation_type(product=hidden_product)
    hidden_annotation = create_annotation(
        user=cast.outsider, image=hidden_image, annotation_type=hidden_type, vector=box()
    )
    ids = {
        "image": cast.image.pk,
        "team": cast.team.pk,
        "member": cast.member.pk,
        "product": product.pk,
        "box_type": box_type.pk,
        "annotation": annotation.pk,
        "other_team": other_team.pk,
        "hidden_set": hidden_set.pk,
        "hidden_image": hidden_image.pk,
        "hidden_annotation": hidden_annotation.pk,
    }
    return World(cast, product, box_type, annotation, ids)


def fill(value: Any, ids: dict[str, int]) -> Any:
    """Replace ``"{name}"`` strings (whole values only) by ids, recursively."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids.get(value[1:-1], value)
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    return value


def fill_raw(raw: str, ids: dict[str, int]) -> str:
    """``{name}`` in a raw body replaced by the id (JSON braces elsewhere are left alone)."""
    for name, value in ids.items():
        raw = raw.replace("{" + name + "}", str(value))
    return raw


def row_counts() -> dict[str, int]:
    return {label: apps.get_model(label).objects.count() for label in WATCHED}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_malformed_request_gets_a_4xx_with_detail_and_writes_nothing(
    world: World, case: Bad
) -> None:
    client = APIClient()
    client.force_authenticate(user=world.cast.member)
    url = case.url.format(**world.ids)
    before = row_counts()
    if case.raw is not None:
        data, content_type = fill_raw(case.raw, world.ids), case.content_type
    else:
        data, content_type = json.dumps(fill(case.body, world.ids)), "application/json"
    send = getattr(client, case.method)
    if case.method == "get":
        response = send(url)
    else:
        response = send(url, data=data, content_type=content_type)
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("detail"), str), body
    assert body["detail"], body
    assert row_counts() == before


@pytest.mark.parametrize(
    "query",
    [
        "/api/v1/annotations/verifications/?time__lte=%3F%C2%BE%25%C2%96",
        "/api/v1/annotations/annotations/?meta_data__isnull=%25s%25d",
        "/api/v1/annotations/annotations/?deleted=100%25",
    ],
    ids=["datetime", "isnull", "boolean"],
)
def test_a_filter_value_with_a_percent_sign_is_a_400_not_a_500(cast: Cast, query: str) -> None:
    """Found by schemathesis: the message quoting the value was %-formatted again."""
    client = APIClient()
    client.force_authenticate(cast.member)
    response = client.get(query)
    assert response.status_code == 400, response.content[:300]
    assert "%" in json.dumps(response.json())
