"""Basic, Bearer and Token authentication, token login, and personal access token management."""

import base64
import datetime as dt

from django.utils import timezone
from rest_framework.test import APIClient

from lamella.accounts.models import PersonalAccessToken
from lamella.api.tokens import hash_token, issue_token
from tests.factories import PASSWORD


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_basic_authentication_reads_a_private_set(cast):
    client = APIClient(HTTP_AUTHORIZATION=basic("member", PASSWORD))
    response = client.get(f"/api/v1/images/image_sets/{cast.image_set.pk}/")
    assert response.status_code == 200


def test_a_wrong_password_is_a_401_with_detail(cast):
    client = APIClient(HTTP_AUTHORIZATION=basic("member", "wrong"))
    response = client.get("/api/v1/images/image_sets/")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_an_anonymous_write_is_a_401_with_a_bearer_challenge(cast):
    response = APIClient().post("/api/v1/users/teams/", {"name": "anon"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"]


def test_a_bearer_token_authenticates_and_records_its_use(cast):
    token, plaintext = issue_token(user=cast.member, name="script")
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    response = client.get(f"/api/v1/images/image_sets/{cast.image_set.pk}/")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.token_hash == hash_token(plaintext)
    assert plaintext not in {token.token_hash, token.prefix}


def test_the_token_header_and_a_token_without_pat_prefix_work(cast):
    _, plaintext = issue_token(user=cast.member, name="script")
    bare = plaintext.removeprefix("pat_")
    client = APIClient(HTTP_AUTHORIZATION=f"Token {bare}")
    assert client.get(f"/api/v1/images/image_sets/{cast.image_set.pk}/").status_code == 200


def test_a_revoked_or_expired_token_is_refused(cast):
    revoked, revoked_text = issue_token(user=cast.member, name="old")
    revoked.revoked_at = timezone.now()
    revoked.save()
    past = timezone.now() - dt.timedelta(days=1)
    _, expired_text = issue_token(user=cast.member, name="expired", expires_at=past)
    for text in (revoked_text, expired_text):
        client = APIClient(HTTP_AUTHORIZATION=f"Bearer {text}")
        assert client.get("/api/v1/images/image_sets/").status_code == 401


def test_token_login_returns_an_auth_token_usable_with_the_token_header(cast):
    response = APIClient().post(
        "/api/auth/token/login/", {"username": "member", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["auth_token"]
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(f"/api/v1/images/image_sets/{cast.image_set.pk}/").status_code == 200


def test_token_login_with_a_wrong_password_is_a_400(cast):
    response = APIClient().post(
        "/api/auth/token/login/", {"username": "member", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "credentials" in response.json()["detail"]


def test_a_user_creates_lists_and_revokes_tokens_and_sees_the_plaintext_once(cast, client_for):
    client = client_for(cast.member)
    created = client.post("/api/v1/users/tokens/", {"name": "laptop"}, format="json")
    assert created.status_code == 201
    plaintext = created.json()["token"]
    assert plaintext.startswith("pat_")
    listed = client.get("/api/v1/users/tokens/").json()["results"]
    assert [row["name"] for row in listed] == ["laptop"]
    assert "token" not in listed[0]
    token_id = created.json()["id"]
    revoked = client.post(f"/api/v1/users/tokens/{token_id}/revoke/")
    assert revoked.status_code == 200
    assert revoked.json()["is_active"] is False
    assert (
        APIClient(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        .get("/api/v1/images/image_sets/")
        .status_code
        == 401
    )


def test_a_user_cannot_see_or_revoke_another_users_token(cast, client_for):
    token, _ = issue_token(user=cast.owner, name="owner's")
    client = client_for(cast.member)
    assert client.get("/api/v1/users/tokens/").json()["count"] == 0
    assert client.post(f"/api/v1/users/tokens/{token.pk}/revoke/").status_code == 404
    assert PersonalAccessToken.objects.get(pk=token.pk).revoked_at is None


def test_session_authentication_enforces_csrf(cast):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="member", password=PASSWORD)
    assert client.get(f"/api/v1/images/image_sets/{cast.image_set.pk}/").status_code == 200
    response = client.post("/api/v1/users/teams/", {"name": "csrf-less"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
