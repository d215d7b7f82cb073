"""The verification view: the queue of unverified annotations, accept and reject, and the
collaboration types (competitive, second opinion)."""

import json
import re
from typing import Any

from django.test import Client

from lamella.accounts.models import User
from lamella.annotations import services
from lamella.annotations.models import Annotation, AnnotationType, Verification
from lamella.images.models import ImageSet
from tests import factories
from tests.conftest import Cast


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def box_type(cast: Cast) -> AnnotationType:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    return factories.make_annotation_type(product=product, vector_type=1, name="mitosis")


def make_box(cast: Cast, kind: AnnotationType, user: User, x: int = 10) -> Annotation:
    vector = {"x1": x, "y1": 20, "x2": x + 40, "y2": 70}
    return services.create_annotation(
        user=user, image=cast.image, annotation_type=kind, vector=vector
    )


def config_of(response: Any) -> dict[str, Any]:
    match = re.search(
        r'<script id="verify-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page has no verify-config script tag"
    return dict(json.loads(match.group(1)))


def page_url(cast: Cast, kind: AnnotationType) -> str:
    return f"/imagesets/{cast.image_set.pk}/verify/?type={kind.pk}"


def judge(client: Client, cast: Cast, annotation: Annotation, state: str) -> Any:
    return client.post(
        f"/imagesets/{cast.image_set.pk}/verify/{annotation.pk}/",
        json.dumps({"state": state}),
        content_type="application/json",
    )


def test_the_page_lists_the_unverified_annotations_of_the_type_with_crops(cast: Cast) -> None:
    kind = box_type(cast)
    first, second = make_box(cast, kind, cast.owner), make_box(cast, kind, cast.owner, 300)
    response = logged_in(cast.member).get(page_url(cast, kind))
    assert response.status_code == 200
    config = config_of(response)
    assert [item["id"] for item in config["items"]] == [first.pk, second.pk]
    assert config["total"] == 2 and config["done"] == 0
    crop = config["items"][0]["crop"]
    assert crop["url"].startswith(f"/api/v1/images/images/{cast.image.pk}/get_patch?x=")
    left, top, width, height = crop["box"]
    assert 0 <= left < 100 and 0 <= top < 100 and width > 0 and height > 0
    assert config["items"][0]["viewer_url"].endswith(f"?focus={first.unique_identifier}")


def test_accepting_and_rejecting_record_verifications_and_progress(cast: Cast) -> None:
    kind = box_type(cast)
    good, bad = make_box(cast, kind, cast.owner), make_box(cast, kind, cast.owner, 300)
    client = logged_in(cast.member)
    accepted = judge(client, cast, good, "accept")
    assert accepted.status_code == 200
    assert accepted.json() == {"id": good.pk, "verified": True, "done": 1, "total": 2}
    assert judge(client, cast, bad, "reject").json()["done"] == 2
    states = dict(
        Verification.objects.filter(user=cast.member).values_list("annotation", "verified")
    )
    assert states == {good.pk: True, bad.pk: False}
    # Judged annotations leave the queue.
    assert config_of(client.get(page_url(cast, kind)))["items"] == []


def test_a_second_opinion_set_hides_and_refuses_your_own_annotations(cast: Cast) -> None:
    ImageSet.objects.filter(pk=cast.image_set.pk).update(
        collaboration_type=ImageSet.CollaborationType.SECOND_OPINION
    )
    kind = box_type(cast)
    mine, theirs = make_box(cast, kind, cast.member), make_box(cast, kind, cast.owner, 300)
    client = logged_in(cast.member)
    config = config_of(client.get(page_url(cast, kind)))
    assert [item["id"] for item in config["items"]] == [theirs.pk]
    refused = judge(client, cast, mine, "accept")
    assert refused.status_code == 403
    assert "second opinion" in refused.json()["detail"]
    assert not Verification.objects.filter(annotation=mine).exists()


def test_a_competitive_set_shows_only_your_own_annotations(cast: Cast) -> None:
    ImageSet.objects.filter(pk=cast.image_set.pk).update(
        collaboration_type=ImageSet.CollaborationType.COMPETITIVE
    )
    kind = box_type(cast)
    mine, theirs = make_box(cast, kind, cast.member), make_box(cast, kind, cast.owner, 300)
    client = logged_in(cast.member)
    config = config_of(client.get(page_url(cast, kind)))
    assert [item["id"] for item in config["items"]] == [mine.pk]
    assert judge(client, cast, theirs, "reject").status_code == 403


def test_an_outsider_gets_404_for_the_page_and_the_endpoint(cast: Cast) -> None:
    kind = box_type(cast)
    annotation = make_box(cast, kind, cast.owner)
    client = logged_in(cast.outsider)
    assert client.get(page_url(cast, kind)).status_code == 404
    assert judge(client, cast, annotation, "accept").status_code == 404


def test_an_anonymous_visitor_is_sent_to_login(cast: Cast) -> None:
    kind = box_type(cast)
    response = Client().get(page_url(cast, kind))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_reader_of_a_public_set_may_look_but_not_verify(cast: Cast) -> None:
    ImageSet.objects.filter(pk=cast.image_set.pk).update(public=True)
    kind = box_type(cast)
    annotation = make_box(cast, kind, cast.owner)
    client = logged_in(cast.outsider)
    assert client.get(page_url(cast, kind)).status_code == 403
    assert judge(client, cast, annotation, "accept").status_code == 403


def test_bad_input_gets_a_400_with_a_detail(cast: Cast) -> None:
    kind = box_type(cast)
    annotation = make_box(cast, kind, cast.owner)
    client = logged_in(cast.member)
    assert judge(client, cast, annotation, "maybe").status_code == 400
    url = f"/imagesets/{cast.image_set.pk}/verify/{annotation.pk}/"
    response = client.post(url, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_an_unknown_type_is_a_404_and_no_type_picks_the_first(cast: Cast) -> None:
    kind = box_type(cast)
    client = logged_in(cast.member)
    assert client.get(f"/imagesets/{cast.image_set.pk}/verify/?type=999999").status_code == 404
    response = client.get(f"/imagesets/{cast.image_set.pk}/verify/")
    assert config_of(response)["type"] == kind.pk
