"""The account page: change the password, create, list and revoke API tokens."""

from django.test import Client

from lamella.accounts.models import PersonalAccessToken, User
from lamella.api.tokens import find_active_token
from tests.conftest import Cast
from tests.factories import PASSWORD


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_account_page_needs_a_login(cast: Cast) -> None:
    response = Client().get("/account/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_password_changes_and_the_session_stays(cast: Cast) -> None:
    client = logged_in(cast.member)
    new = "a much longer passphrase 42"
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.check_password(new)
    assert client.get("/account/").status_code == 200  # still signed in


def test_a_wrong_old_password_or_mismatch_is_refused(cast: Cast) -> None:
    client = logged_in(cast.member)
    wrong = client.post(
        "/account/password/",
        {"old_password": "nope", "new_password1": "x" * 12, "new_password2": "y" * 12},
    )
    body = wrong.content.decode()
    assert wrong.status_code == 400
    assert "old password was entered incorrectly" in body
    cast.member.refresh_from_db()
    assert cast.member.check_password(PASSWORD)


def test_a_new_token_is_shown_once_and_works(cast: Cast) -> None:
    client = logged_in(cast.member)
    response = client.post("/account/tokens/", {"name": "laptop", "expires_in_days": "30"})
    plaintext = response.context["new_token"]
    assert response.status_code == 200 and plaintext in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    token = find_active_token(plaintext)
    assert token is not None and token.user_id == cast.member.pk and token.expires_at is not None
    listing = client.get("/account/").content.decode()
    assert "laptop" in listing and plaintext not in listing


def test_a_token_without_a_name_is_refused(cast: Cast) -> None:
    response = logged_in(cast.member).post("/account/tokens/", {"name": "", "expires_in_days": "0"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not PersonalAccessToken.objects.exists()


def test_a_token_is_revoked_by_its_owner_only(cast: Cast) -> None:
    owner = logged_in(cast.member)
    plaintext = owner.post("/account/tokens/", {"name": "ci"}).context["new_token"]
    token = PersonalAccessToken.objects.get(name="ci")
    assert logged_in(cast.outsider).post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert find_active_token(plaintext) is not None
    assert owner.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    assert find_active_token(plaintext) is None
    assert "revoked" in owner.get("/account/").content.decode()
