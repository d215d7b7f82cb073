"""The image set page and its writes: create, edit, delete, tags, products, uploads, states."""

import io

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image as PILImage

from lamella.accounts.models import User
from lamella.annotations.models import Annotation, Verification
from lamella.images.models import Image, ImageSet, SetTag
from tests import factories
from tests.conftest import Cast


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def png_file(name: str = "slide.png") -> io.BytesIO:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (200, 80, 120)).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_the_set_page_shows_thumbnails_states_and_viewer_links(cast: Cast) -> None:
    factories.make_image(image_set=cast.image_set, ingest_state="converting", ingest_progress=42)
    factories.make_image(
        image_set=cast.image_set, ingest_state="failed", ingest_error="not a slide"
    )
    response = logged_in(cast.member).get(f"/sets/{cast.image_set.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert f"/api/v1/images/images/{cast.image.pk}/thumbnail/" in body
    assert f"/images/{cast.image.pk}/view/" in body
    assert "converting 42%" in body
    assert "failed: not a slide" in body
    assert 'data-state="converting"' in body  # the script polls while this is there


def test_an_outsider_gets_404_and_the_anonymous_visitor_the_login(cast: Cast) -> None:
    assert logged_in(cast.outsider).get(f"/sets/{cast.image_set.pk}/").status_code == 404
    response = Client().get(f"/sets/{cast.image_set.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_outsider_may_read_a_public_set_but_not_edit_it(cast: Cast) -> None:
    ImageSet.objects.filter(pk=cast.image_set.pk).update(public=True)
    client = logged_in(cast.outsider)
    body = client.get(f"/sets/{cast.image_set.pk}/").content.decode()
    assert "Upload images" not in body and "Delete this set" not in body
    assert client.get(f"/sets/{cast.image_set.pk}/edit/").status_code == 403
    assert client.post(f"/sets/{cast.image_set.pk}/tags/", {"tags": "x"}).status_code == 403


def test_the_chart_data_counts_annotations_and_verified_ones_per_type(cast: Cast) -> None:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    mitosis = factories.make_annotation_type(product=product, name="mitosis", color_code="#00FF00")
    now = timezone.now()
    rows = [
        Annotation(
            image=cast.image, annotation_type=mitosis, vector={}, time=now, last_edit_time=now
        )
        for _ in range(3)
    ]
    Annotation.objects.bulk_create(rows)
    first = Annotation.objects.filter(image=cast.image).first()
    assert first is not None
    Verification.objects.create(annotation=first, user=cast.admin, verified=True)
    Verification.objects.create(annotation=first, user=cast.member, verified=True)
    response = logged_in(cast.member).get(f"/sets/{cast.image_set.pk}/")
    assert response.context["stats"] == [
        {"name": "mitosis", "color": "#00FF00", "total": 3, "verified": 1}
    ]
    assert 'id="stats-data"' in response.content.decode()


def test_a_member_creates_a_set_in_the_team(cast: Cast) -> None:
    response = logged_in(cast.member).post(
        f"/teams/{cast.team.pk}/sets/new/",
        {"name": "Canine mitoses", "priority": "1", "collaboration_type": "2"},
    )
    created = ImageSet.objects.get(name="Canine mitoses")
    assert response.status_code == 302 and response["Location"] == f"/sets/{created.pk}/"
    assert (created.team_id, created.creator_id, created.priority) == (
        cast.team.pk,
        cast.member.pk,
        1,
    )
    assert created.collaboration_type == ImageSet.CollaborationType.SECOND_OPINION


def test_creating_a_set_with_a_taken_name_or_bad_priority_says_why(cast: Cast) -> None:
    client = logged_in(cast.member)
    url = f"/teams/{cast.team.pk}/sets/new/"
    taken = client.post(
        url, {"name": cast.image_set.name, "priority": "0", "collaboration_type": "0"}
    )
    assert taken.status_code == 400 and "already" in taken.content.decode()
    bad = client.post(url, {"name": "x", "priority": "7", "collaboration_type": "0"})
    assert bad.status_code == 400 and "Select a valid choice" in bad.content.decode()
    assert logged_in(cast.outsider).post(url, {"name": "y"}).status_code == 404


def test_editing_changes_flags_and_public_collaboration_needs_public(cast: Cast) -> None:
    client = logged_in(cast.member)
    url = f"/sets/{cast.image_set.pk}/edit/"
    assert client.get(url).status_code == 200
    base = {"name": "renamed", "priority": "-1", "collaboration_type": "1", "image_lock": "on"}
    refused = client.post(url, base | {"public_collaboration": "on"})
    assert refused.status_code == 400 and "needs a public set" in refused.content.decode()
    assert client.post(url, base | {"public": "on"}).status_code == 302
    cast.image_set.refresh_from_db()
    assert cast.image_set.name == "renamed" and cast.image_set.public and cast.image_set.image_lock
    assert cast.image_set.priority == -1


def test_only_those_who_may_delete_a_set_delete_it_with_its_name_typed(cast: Cast) -> None:
    url = f"/sets/{cast.image_set.pk}/delete/"
    assert (
        logged_in(cast.member).post(url, {"confirm_name": cast.image_set.name}).status_code == 403
    )
    client = logged_in(cast.admin)
    client.post(url, {"confirm_name": "wrong"})
    assert ImageSet.objects.filter(pk=cast.image_set.pk).exists()
    response = client.post(url, {"confirm_name": cast.image_set.name})
    assert response["Location"] == f"/teams/{cast.team.pk}/"
    assert not ImageSet.objects.filter(pk=cast.image_set.pk).exists()


def test_tags_are_saved_trimmed_and_deduplicated(cast: Cast) -> None:
    logged_in(cast.member).post(
        f"/sets/{cast.image_set.pk}/tags/", {"tags": " canine, mitosis,,canine "}
    )
    assert sorted(cast.image_set.set_tags.values_list("name", flat=True)) == ["canine", "mitosis"]
    logged_in(cast.member).post(f"/sets/{cast.image_set.pk}/tags/", {"tags": ""})
    assert not cast.image_set.set_tags.exists()
    assert SetTag.objects.count() == 2  # tags are shared between sets; not deleted


def test_only_products_of_the_sets_team_can_be_attached(cast: Cast) -> None:
    mine = factories.make_product(team=cast.team)
    other = factories.make_product(team=factories.make_team())
    client = logged_in(cast.member)
    refused = client.post(f"/sets/{cast.image_set.pk}/products/", {"products": [other.pk]})
    assert refused.status_code == 400
    client.post(f"/sets/{cast.image_set.pk}/products/", {"products": [mine.pk]})
    assert list(cast.image_set.product_set.all()) == [mine]


def test_a_plain_form_upload_adds_a_queued_image(cast: Cast) -> None:
    response = logged_in(cast.member).post(
        f"/sets/{cast.image_set.pk}/upload/", {"files": [png_file()]}
    )
    assert response.status_code == 302
    assert Image.objects.filter(image_set=cast.image_set, name="slide.png").exists()


def test_a_bad_upload_is_refused_with_the_reason_and_a_locked_set_with_403(cast: Cast) -> None:
    client = logged_in(cast.member)
    junk = io.BytesIO(b"not an image at all")
    junk.name = "junk.png"
    refused = client.post(f"/sets/{cast.image_set.pk}/upload/", {"files": [junk]})
    assert refused.status_code == 400 and "Nothing uploaded" in refused.content.decode()
    ImageSet.objects.filter(pk=cast.image_set.pk).update(image_lock=True)
    locked = client.post(f"/sets/{cast.image_set.pk}/upload/", {"files": [png_file()]})
    assert locked.status_code == 403 and "locked" in locked.content.decode()


def test_the_status_route_gives_each_images_ingest_state(cast: Cast) -> None:
    Image.objects.filter(pk=cast.image.pk).update(ingest_state="converting", ingest_progress=7)
    data = logged_in(cast.member).get(f"/sets/{cast.image_set.pk}/status/").json()
    assert data["images"] == [
        {
            "id": cast.image.pk,
            "ingest_state": "converting",
            "ingest_progress": 7,
            "ingest_error": "",
        }
    ]
    assert logged_in(cast.outsider).get(f"/sets/{cast.image_set.pk}/status/").status_code == 404


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_the_set_page_query_count_does_not_grow_with_images_tags_and_products(cast: Cast) -> None:
    client = logged_in(cast.member)
    url = f"/sets/{cast.image_set.pk}/"
    before = queries_for(client, url)
    for n in range(8):
        factories.make_image(image_set=cast.image_set)
        factories.make_product(team=cast.team, image_sets=(cast.image_set,))
        SetTag.objects.create(name=f"tag{n}").imagesets.add(cast.image_set)
    assert queries_for(client, url) == before
