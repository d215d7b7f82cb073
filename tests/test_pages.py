"""The first pages: login, logout, the dashboard and self-registration."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries, Settings

from lamella.accounts.models import User
from lamella.annotations.models import Annotation
from lamella.images.models import Image, ImageSet
from tests import factories
from tests.conftest import Cast

LOGIN = "/accounts/login/"


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_annotations(image: Image, count: int, *, deleted: bool = False) -> None:
    team = image.image_set.team
    assert team is not None
    product = factories.make_product(team=team, image_sets=(image.image_set,))
    annotation_type = factories.make_annotation_type(product=product)
    now = timezone.now()
    Annotation.objects.bulk_create(
        Annotation(
            image=image,
            annotation_type=annotation_type,
            vector={"x1": 0, "y1": 0, "x2": 10, "y2": 10},
            time=now,
            last_edit_time=now,
            deleted=deleted,
        )
        for _ in range(count)
    )


def set_rows(response: Any) -> dict[str, Any]:
    """Dashboard rows by set name, each with ``image_count`` and ``annotation_count``."""
    return {s.name: s for s in response.context["image_sets"]}


def test_an_anonymous_visitor_of_the_dashboard_is_sent_to_login(db: None) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_login_page_shows_a_form(db: None) -> None:
    response = Client().get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_a_wrong_password_shows_an_error(cast: Cast) -> None:
    response = Client().post(LOGIN, {"username": "member", "password": "wrong"})
    assert response.status_code == 200
    assert b"correct username and password" in response.content
    assert "_auth_user_id" not in response.wsgi_request.session


def test_a_right_password_logs_in_and_lands_on_the_dashboard(cast: Cast) -> None:
    client = Client()
    response = client.post(LOGIN, {"username": "member", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    assert client.get("/").status_code == 200


def test_a_member_sees_their_team_and_set_with_correct_counts(cast: Cast) -> None:
    factories.make_image(image_set=cast.image_set)
    add_annotations(cast.image, 3)
    add_annotations(cast.image, 2, deleted=True)
    response = logged_in(cast.member).get("/")
    assert response.status_code == 200
    roles = {m.team.name: m.is_admin for m in response.context["memberships"]}
    assert roles == {cast.team.name: False}
    row = set_rows(response)[cast.image_set.name]
    assert (row.image_count, row.annotation_count) == (2, 3)
    html = response.content.decode()
    assert cast.team.name in html
    assert cast.image_set.name in html
    assert ">member</span>" in html


def test_a_team_admin_sees_the_admin_role(cast: Cast) -> None:
    html = logged_in(cast.admin).get("/").content.decode()
    assert ">admin</span>" in html


def test_an_outsider_sees_a_public_set_but_not_a_private_one(cast: Cast) -> None:
    public = factories.make_image_set(team=cast.team, name="open-atlas", public=True)
    response = logged_in(cast.outsider).get("/")
    names = set(set_rows(response))
    assert public.name in names
    assert cast.image_set.name not in names
    assert cast.image_set.name not in response.content.decode()
    assert "badge-public" in response.content.decode()


def test_sets_are_ordered_by_priority_then_name(cast: Cast) -> None:
    factories.make_image_set(team=cast.team, name="b-low", priority=ImageSet.Priority.LOW)
    factories.make_image_set(team=cast.team, name="z-high", priority=ImageSet.Priority.HIGH)
    factories.make_image_set(team=cast.team, name="a-high", priority=ImageSet.Priority.HIGH)
    names = list(set_rows(logged_in(cast.member).get("/")))
    assert names[:2] == ["a-high", "z-high"]
    assert names[-1] == "b-low"


def test_a_user_without_teams_or_sets_sees_the_empty_states(cast: Cast) -> None:
    html = logged_in(cast.outsider).get("/").content.decode()
    assert "not in any team yet" in html
    assert "No image sets to show yet" in html


def test_staff_see_a_link_to_the_admin_and_others_do_not(cast: Cast) -> None:
    staff = factories.make_user("curator", is_staff=True)
    assert reverse("admin:index") in logged_in(staff).get("/").content.decode()
    assert reverse("admin:index") not in logged_in(cast.member).get("/").content.decode()


def test_the_header_names_the_app_and_the_user(cast: Cast) -> None:
    html = logged_in(cast.member).get("/").content.decode()
    assert "Lamella" in html
    assert "member" in html
    assert 'action="/accounts/logout/"' in html


def test_logging_out_by_post_ends_the_session(cast: Cast) -> None:
    client = logged_in(cast.member)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_logging_out_by_get_is_refused(cast: Cast) -> None:
    client = logged_in(cast.member)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200


def test_the_dashboard_query_count_does_not_grow_with_the_number_of_sets(
    cast: Cast, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    client = logged_in(cast.member)
    with django_assert_max_num_queries(6) as few:
        client.get("/")
    for n in range(15):
        image_set = factories.make_image_set(team=cast.team, name=f"bulk-{n}")
        add_annotations(factories.make_image(image_set=image_set), 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/")
    assert len(response.context["image_sets"]) == 16


def test_a_bad_page_number_falls_back_to_a_page(cast: Cast) -> None:
    response = logged_in(cast.member).get("/?page=nonsense")
    assert response.status_code == 200
    assert cast.image_set.name in set_rows(response)


def test_self_registration_is_not_found_when_switched_off(db: None, settings: Settings) -> None:
    settings.SELF_REGISTRATION = False
    assert Client().get("/accounts/register/").status_code == 404
    assert b"/accounts/register/" not in Client().get(LOGIN).content


def test_self_registration_creates_a_user_and_logs_in_when_on(db: None, settings: Settings) -> None:
    settings.SELF_REGISTRATION = True
    client = Client()
    assert b"/accounts/register/" in client.get(LOGIN).content
    assert client.get("/accounts/register/").status_code == 200
    response = client.post(
        "/accounts/register/",
        {
            "username": "newcomer",
            "email": "n@example.org",
            "password1": "a slide a day 42",
            "password2": "a slide a day 42",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(username="newcomer").exists()
    assert client.get("/").status_code == 200


def test_self_registration_rejects_mismatched_passwords(db: None, settings: Settings) -> None:
    settings.SELF_REGISTRATION = True
    response = Client().post(
        "/accounts/register/",
        {"username": "newcomer", "password1": "a slide a day 42", "password2": "different 42"},
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="newcomer").exists()
    assert b"error" in response.content


@pytest.mark.parametrize("path", ["/", LOGIN])
def test_the_stylesheet_is_linked(db: None, path: str) -> None:
    user = factories.make_user()
    client = logged_in(user) if path == "/" else Client()
    assert b"lamella/lamella.css" in client.get(path).content
