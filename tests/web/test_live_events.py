"""Live co-annotation: the server-sent event stream of an image's annotation changes."""

from typing import Any

import pytest
from django.test import Client

from lamella.accounts.models import User
from lamella.annotations import services
from lamella.annotations.events import changes_after, latest_event_id
from lamella.annotations.models import Annotation
from lamella.api.fields import format_exact_datetime
from tests import factories
from tests.conftest import Cast

BOX = {"x1": 10, "y1": 20, "x2": 60, "y2": 80}


@pytest.fixture(autouse=True)
def short_streams(settings: Any) -> None:
    """Streams end after a moment so that a test can read one to its end."""
    settings.LAMELLA_EVENTS_LIFETIME = 0.3
    settings.LAMELLA_EVENTS_POLL = 0.05


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def read(response: Any) -> str:
    return b"".join(response.streaming_content).decode()


def make_box(cast: Cast, user: User | None = None) -> Annotation:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    box = factories.make_annotation_type(product=product, vector_type=1)
    return services.create_annotation(
        user=user or cast.owner, image=cast.image, annotation_type=box, vector=BOX
    )


def events_url(cast: Cast) -> str:
    return f"/api/v1/annotations/events/?image={cast.image.pk}"


def test_a_member_receives_an_annotation_drawn_after_the_last_event_seen(cast: Cast) -> None:
    start = latest_event_id()
    annotation = make_box(cast)
    response = logged_in(cast.member).get(events_url(cast), HTTP_LAST_EVENT_ID=str(start))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    body = read(response)
    assert "event: annotation" in body
    assert str(annotation.unique_identifier) in body
    assert '"action":"create"' in body


def test_a_stream_without_last_event_id_starts_at_the_present(cast: Cast) -> None:
    annotation = make_box(cast)
    body = read(logged_in(cast.member).get(events_url(cast)))
    assert str(annotation.unique_identifier) not in body
    assert body.startswith("retry: ")  # the client reconnects quickly after the stream ends
    assert "event: bye" in body


def test_a_change_and_a_soft_delete_come_in_order_with_their_event_ids(cast: Cast) -> None:
    annotation = make_box(cast)
    start = latest_event_id()
    moved = {"x1": 100, "y1": 100, "x2": 150, "y2": 160}
    services.update_annotation(user=cast.member, annotation=annotation, vector=moved)
    services.soft_delete_annotation(user=cast.member, annotation=annotation)
    changes = changes_after(cast.image.pk, start)
    assert [change["action"] for change in changes] == ["update", "delete"]
    assert changes[0]["annotation"]["vector"] == moved
    assert changes[1]["annotation"]["deleted"] is True
    assert changes[0]["actor"] == cast.member.pk
    assert changes[0]["event_id"] < changes[1]["event_id"]


def test_an_annotation_deleted_for_good_is_sent_as_deleted(cast: Cast) -> None:
    annotation = make_box(cast)
    annotation_id = annotation.pk
    start = latest_event_id()
    services.delete_annotation(user=cast.owner, annotation=annotation)
    (change,) = changes_after(cast.image.pk, start)
    assert change["annotation"]["deleted"] is True
    assert change["annotation"]["id"] == annotation_id


def test_changes_to_other_images_are_not_sent(cast: Cast) -> None:
    start = latest_event_id()
    other = factories.make_image(image_set=cast.image_set)
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    box = factories.make_annotation_type(product=product)
    services.create_annotation(user=cast.owner, image=other, annotation_type=box, vector=BOX)
    assert changes_after(cast.image.pk, start) == []


def test_an_outsider_gets_404_for_the_stream_of_a_private_image(cast: Cast) -> None:
    response = logged_in(cast.outsider).get(events_url(cast))
    assert response.status_code == 404
    assert "detail" in response.json()


def test_an_anonymous_visitor_gets_404_for_a_private_image(cast: Cast) -> None:
    assert Client().get(events_url(cast)).status_code == 404


def test_a_missing_image_parameter_is_a_400(cast: Cast) -> None:
    response = logged_in(cast.member).get("/api/v1/annotations/events/")
    assert response.status_code == 400
    assert "image" in response.json()["detail"]


def test_a_malformed_last_event_id_is_a_400(cast: Cast) -> None:
    response = logged_in(cast.member).get(events_url(cast), HTTP_LAST_EVENT_ID="abc")
    assert response.status_code == 400


def test_a_quiet_stream_sends_heartbeats(cast: Cast, settings: Any) -> None:
    settings.LAMELLA_EVENTS_HEARTBEAT = 0.0
    body = read(logged_in(cast.member).get(events_url(cast)))
    assert ": heartbeat" in body


def test_each_change_carries_its_own_time_so_a_late_reader_keeps_them_in_order(
    cast: Cast,
) -> None:
    """A viewer reconnecting after a create and a delete gets both at once: the delete must
    look newer than the create, or the viewer drops it (seen in CI)."""
    start = latest_event_id()
    annotation = make_box(cast)
    services.soft_delete_annotation(user=cast.member, annotation=annotation)
    created, deleted = changes_after(cast.image.pk, start)
    assert created["action"] == "create" and deleted["action"] == "delete"
    assert created["annotation"]["last_edit_time"] < deleted["annotation"]["last_edit_time"]
    annotation.refresh_from_db()
    assert deleted["annotation"]["last_edit_time"] == format_exact_datetime(
        annotation.last_edit_time
    )
