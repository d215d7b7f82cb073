"""The team pages: list and create teams, members and admins, add and remove by admins."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from lamella.accounts.models import Team, TeamMembership, User
from tests import factories
from tests.conftest import Cast


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_anonymous_visitor_is_sent_to_login_from_the_team_pages(cast: Cast) -> None:
    for url in ("/teams/", f"/teams/{cast.team.pk}/"):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_a_member_sees_the_team_with_its_members_and_sets(cast: Cast) -> None:
    response = logged_in(cast.member).get(f"/teams/{cast.team.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "teamadmin" in body and "owner" in body and "member" in body
    assert f"/sets/{cast.image_set.pk}/" in body
    assert "Add a member" not in body  # members do not manage


def test_an_outsider_cannot_see_a_team(cast: Cast) -> None:
    assert logged_in(cast.outsider).get(f"/teams/{cast.team.pk}/").status_code == 404


def test_the_team_list_shows_my_teams_with_my_role(cast: Cast) -> None:
    body = logged_in(cast.admin).get("/teams/").content.decode()
    assert cast.team.name in body
    assert "badge-admin" in body
    assert cast.team.name not in logged_in(cast.outsider).get("/teams/").content.decode()


def test_anyone_signed_in_can_create_a_team_and_becomes_its_admin(cast: Cast) -> None:
    response = logged_in(cast.outsider).post("/teams/new/", {"name": "Mitosis lab"})
    team = Team.objects.get(name="Mitosis lab")
    assert response.status_code == 302
    assert response["Location"] == f"/teams/{team.pk}/"
    assert TeamMembership.objects.get(team=team, user=cast.outsider).is_admin


def test_a_team_name_too_short_or_taken_is_refused_with_a_message(cast: Cast) -> None:
    client = logged_in(cast.member)
    short = client.post("/teams/new/", {"name": "ab"})
    assert short.status_code == 400
    assert "at least 3 characters" in short.content.decode()
    taken = client.post("/teams/new/", {"name": cast.team.name.upper()})
    assert taken.status_code == 400
    assert "exists already" in taken.content.decode()


def test_a_team_admin_adds_a_member_by_username(cast: Cast) -> None:
    response = logged_in(cast.admin).post(
        f"/teams/{cast.team.pk}/members/", {"username": "outsider"}
    )
    assert response.status_code == 302
    assert TeamMembership.objects.filter(team=cast.team, user=cast.outsider).exists()


def test_adding_an_unknown_or_present_user_says_why(cast: Cast) -> None:
    client = logged_in(cast.admin)
    unknown = client.post(f"/teams/{cast.team.pk}/members/", {"username": "nobody"})
    assert unknown.status_code == 400
    assert "There is no user called" in unknown.content.decode()
    twice = client.post(f"/teams/{cast.team.pk}/members/", {"username": "member"})
    assert twice.status_code == 400
    assert "already" in twice.content.decode()


def test_a_plain_member_may_not_add_or_remove_members(cast: Cast) -> None:
    client = logged_in(cast.member)
    added = client.post(f"/teams/{cast.team.pk}/members/", {"username": "outsider"})
    removed = client.post(f"/teams/{cast.team.pk}/members/{cast.owner.pk}/remove/")
    assert added.status_code == 403 and removed.status_code == 403
    assert TeamMembership.objects.filter(team=cast.team, user=cast.owner).exists()


def test_an_outsider_posting_to_a_team_gets_404(cast: Cast) -> None:
    response = logged_in(cast.outsider).post(
        f"/teams/{cast.team.pk}/members/", {"username": "outsider"}
    )
    assert response.status_code == 404


def test_a_team_admin_removes_a_member(cast: Cast) -> None:
    response = logged_in(cast.admin).post(f"/teams/{cast.team.pk}/members/{cast.member.pk}/remove/")
    assert response.status_code == 302
    assert not TeamMembership.objects.filter(team=cast.team, user=cast.member).exists()


def test_the_last_admin_cannot_be_removed_or_demoted(cast: Cast) -> None:
    client = logged_in(cast.admin)
    client.post(f"/teams/{cast.team.pk}/members/{cast.admin.pk}/remove/")
    client.post(f"/teams/{cast.team.pk}/members/{cast.admin.pk}/role/", {})
    assert TeamMembership.objects.get(team=cast.team, user=cast.admin).is_admin
    page = client.get(f"/teams/{cast.team.pk}/").content.decode()
    assert "needs at least one admin" in page


def test_an_admin_makes_a_member_admin(cast: Cast) -> None:
    logged_in(cast.admin).post(
        f"/teams/{cast.team.pk}/members/{cast.member.pk}/role/", {"is_admin": "on"}
    )
    assert TeamMembership.objects.get(team=cast.team, user=cast.member).is_admin


def test_team_writes_need_post_and_csrf(cast: Cast) -> None:
    assert logged_in(cast.admin).get("/teams/new/").status_code == 405
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.admin)
    response = client.post(f"/teams/{cast.team.pk}/members/", {"username": "outsider"})
    assert response.status_code == 403
    assert not TeamMembership.objects.filter(team=cast.team, user=cast.outsider).exists()


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def add_members_and_sets(team: Team, creator: User, count: int) -> None:
    for _ in range(count):
        TeamMembership.objects.create(team=team, user=factories.make_user())
        factories.make_image_set(team=team, creator=creator)


def test_the_team_pages_query_counts_do_not_grow_with_members_and_sets(cast: Cast) -> None:
    client = logged_in(cast.admin)
    urls = (f"/teams/{cast.team.pk}/", "/teams/")
    before = [queries_for(client, url) for url in urls]
    add_members_and_sets(cast.team, cast.admin, 10)
    assert [queries_for(client, url) for url in urls] == before
