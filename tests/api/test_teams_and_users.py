"""users/teams, users/team_membership and users/users under the policy."""

from lamella.accounts.models import Team, TeamMembership

TEAMS = "/api/v1/users/teams/"
MEMBERSHIPS = "/api/v1/users/team_membership/"
USERS = "/api/v1/users/users/"


def test_creating_a_team_needs_no_memberships_and_makes_the_creator_admin(cast, client_for):
    body = {"name": "new lab", "image_sets": [], "product_set": []}
    response = client_for(cast.outsider).post(TEAMS, body, format="json")
    assert response.status_code == 201, response.json()
    team = Team.objects.get(name="new lab")
    assert TeamMembership.objects.get(team=team, user=cast.outsider).is_admin
    assert response.json()["members"] == [cast.outsider.pk]


def test_teams_list_only_the_requesters_teams(cast, client_for):
    assert client_for(cast.member).get(TEAMS).json()["count"] == 1
    assert client_for(cast.outsider).get(TEAMS).json()["count"] == 0
    assert client_for(None).get(TEAMS).json()["count"] == 0


def test_a_member_cannot_rename_the_team_but_its_admin_can(cast, client_for):
    url = f"{TEAMS}{cast.team.pk}/"
    assert client_for(cast.member).patch(url, {"name": "renamed"}, format="json").status_code == 403
    assert (
        client_for(cast.outsider).patch(url, {"name": "x-team"}, format="json").status_code == 404
    )
    assert client_for(cast.admin).patch(url, {"name": "renamed"}, format="json").status_code == 200


def test_a_team_admin_adds_a_member_and_a_member_cannot(cast, client_for):
    body = {"team": cast.team.pk, "user": cast.outsider.pk, "is_admin": 0}
    assert client_for(cast.member).post(MEMBERSHIPS, body, format="json").status_code == 403
    response = client_for(cast.admin).post(MEMBERSHIPS, body, format="json")
    assert response.status_code == 201
    assert response.json()["is_admin"] is False


def test_users_list_those_sharing_a_team(cast, client_for):
    names = {row["username"] for row in client_for(cast.member).get(USERS).json()["results"]}
    assert names == {"owner", "teamadmin", "member"}
    outsider_view = client_for(cast.outsider).get(USERS).json()["results"]
    assert [row["username"] for row in outsider_view] == ["outsider"]


def test_a_user_cannot_make_itself_superuser(cast, client_for):
    url = f"{USERS}{cast.member.pk}/"
    response = client_for(cast.member).patch(url, {"is_superuser": True}, format="json")
    assert response.status_code == 403
    cast.member.refresh_from_db()
    assert not cast.member.is_superuser


def test_expand_members_with_nested_fields(cast, client_for):
    url = f"{TEAMS}{cast.team.pk}/?expand=members&fields=id,members.username"
    body = client_for(cast.member).get(url).json()
    assert set(body) == {"id", "members"}
    names = sorted(member["username"] for member in body["members"])
    assert names == ["member", "owner", "teamadmin"]
    assert all(set(member) == {"username"} for member in body["members"])
