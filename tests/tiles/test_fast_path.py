"""The WSGI fast path: same answers as Django, same access rules, learned only from Django."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session

from lamella.accounts.models import TeamMembership
from lamella.api.tokens import issue_token
from lamella.images.models import Image
from lamella.tiles.cache import ACCESS_TTL
from lamella.tiles.fastpath import REVIEWED_MIDDLEWARE, TileFastPath, wrap
from lamella.tiles.selectors import checksum_prefix
from tests.factories import PASSWORD
from tests.tiles.conftest import FakeClock
from tests.tiles.wsgi_calls import Counting, call

ROUTES = ("versioned", "native", "exact", "session")


def tile_url(image: Image, route: str, col: int = 0) -> str:
    """Tile (col, 0) of the finest level (a stored 256 px tile) on one of the four tile routes."""
    api = f"/api/v1/images/images/{image.pk}"
    return {
        "versioned": f"{api}/{checksum_prefix(image)}/dzi_files/10/{col}_0.jpeg",
        "native": f"{api}/dzi_files/10/{col}_0.jpeg",
        "exact": f"{api}/1/1/tile_files/10/{col}_0.jpeg/",
        "session": f"/images/image/{image.pk}/1/1/tile_files/10/{col}_0.jpeg",
    }[route]


def session_of(client: Any, user: Any) -> dict[str, str]:
    client.force_login(user)
    name = django_settings.SESSION_COOKIE_NAME
    return {"HTTP_COOKIE": f"{name}={client.cookies[name].value}"}


def credentials(who: str, client: Any, cast: Any) -> dict[str, str]:
    """WSGI headers of a caller: anonymous, or the member by session, token or Basic."""
    if who == "session":
        return session_of(client, cast.member)
    if who == "bearer":
        _, plaintext = issue_token(user=cast.member, name="viewer")
        return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}
    if who == "basic":
        pair = base64.b64encode(f"{cast.member.username}:{PASSWORD}".encode()).decode()
        return {"HTTP_AUTHORIZATION": f"Basic {pair}"}
    return {}


def test_an_anonymous_reader_of_a_public_set_is_served_past_django_after_one_tile(
    pyramid: Image, fast: TileFastPath, django_app: Counting, cast: Any
) -> None:
    cast.image_set.public = True
    cast.image_set.save()
    first = call(fast, tile_url(pyramid, "versioned", col=0))
    second = call(fast, tile_url(pyramid, "versioned", col=1))
    assert (first.status, second.status) == (200, 200)
    assert django_app.calls == 1
    assert second.body == call(django_app, tile_url(pyramid, "versioned", col=1)).body


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("who", ["anonymous", "session", "bearer", "basic"])
def test_the_fast_path_answers_with_djangos_status_headers_and_bytes(
    pyramid: Image,
    fast: TileFastPath,
    django_app: Counting,
    cast: Any,
    client: Any,
    route: str,
    who: str,
) -> None:
    if who == "anonymous":
        cast.image_set.public = True
        cast.image_set.save()
    headers = credentials(who, client, cast)
    call(fast, tile_url(pyramid, route, col=0), **headers)  # Django answers, the path learns
    before = django_app.calls
    answer = call(fast, tile_url(pyramid, route, col=1), **headers)
    assert django_app.calls == before  # answered by the fast path
    expected = call(django_app, tile_url(pyramid, route, col=1), **headers)
    assert answer.status == expected.status == 200
    assert answer.header_set() == expected.header_set()
    assert answer.body == expected.body


def test_a_matching_etag_gets_djangos_304_from_the_fast_path(
    pyramid: Image, fast: TileFastPath, django_app: Counting, cast: Any, client: Any
) -> None:
    headers = session_of(client, cast.member)
    first = call(fast, tile_url(pyramid, "versioned"), **headers)
    etag = first.header("ETag")
    assert etag and first.header("Cache-Control") == "public, max-age=31536000, immutable"
    before = django_app.calls
    again = call(fast, tile_url(pyramid, "versioned"), HTTP_IF_NONE_MATCH=etag, **headers)
    assert django_app.calls == before
    expected = call(django_app, tile_url(pyramid, "versioned"), HTTP_IF_NONE_MATCH=etag, **headers)
    assert again.status == expected.status == 304
    assert again.header_set() == expected.header_set()
    assert again.body == b""


@pytest.mark.parametrize("route", ROUTES)
def test_an_outsider_gets_404_every_time_and_is_never_learned(
    pyramid: Image,
    fast: TileFastPath,
    django_app: Counting,
    cast: Any,
    client: Any,
    route: str,
) -> None:
    headers = session_of(client, cast.outsider)
    for attempt in (1, 2):
        answer = call(fast, tile_url(pyramid, route), **headers)
        assert answer.status == 404
        assert django_app.calls == attempt


def test_a_revoked_membership_is_honoured_once_the_grant_expires(
    pyramid: Image, fast: TileFastPath, cast: Any, client: Any, clock: FakeClock
) -> None:
    headers = session_of(client, cast.member)
    assert call(fast, tile_url(pyramid, "versioned"), **headers).status == 200
    TeamMembership.objects.filter(user=cast.member).delete()
    # The documented price of the grant cache: up to ACCESS_TTL seconds of stale access.
    assert call(fast, tile_url(pyramid, "versioned"), **headers).status == 200
    clock.advance(ACCESS_TTL + 1)
    assert call(fast, tile_url(pyramid, "versioned"), **headers).status == 404


def test_a_logged_out_session_reads_no_private_tile_once_its_caller_expires(
    pyramid: Image, fast: TileFastPath, cast: Any, client: Any, clock: FakeClock
) -> None:
    headers = session_of(client, cast.member)
    assert call(fast, tile_url(pyramid, "native"), **headers).status == 200
    Session.objects.all().delete()
    clock.advance(ACCESS_TTL + 1)
    answer = call(fast, tile_url(pyramid, "native"), **headers)
    assert answer.status == 404


def test_a_cookie_django_replaces_is_never_learned(
    pyramid: Image, fast: TileFastPath, django_app: Counting, cast: Any
) -> None:
    cast.image_set.public = True
    cast.image_set.save()
    stale = {"HTTP_COOKIE": f"{django_settings.SESSION_COOKIE_NAME}=no-such-session"}
    for attempt in (1, 2):
        answer = call(fast, tile_url(pyramid, "versioned"), **stale)
        assert answer.status == 200
        assert answer.header("Set-Cookie")  # Django deletes the stale cookie
        assert django_app.calls == attempt


def test_wrong_credentials_get_401_every_time(
    pyramid: Image, fast: TileFastPath, django_app: Counting, cast: Any
) -> None:
    cast.image_set.public = True
    cast.image_set.save()
    wrong = base64.b64encode(f"{cast.member.username}:wrong".encode()).decode()
    for attempt in (1, 2):
        answer = call(fast, tile_url(pyramid, "versioned"), HTTP_AUTHORIZATION=f"Basic {wrong}")
        assert answer.status == 401
        assert django_app.calls == attempt


def test_a_host_django_refuses_is_refused_after_a_learned_one(
    pyramid: Image, fast: TileFastPath, cast: Any
) -> None:
    cast.image_set.public = True
    cast.image_set.save()
    assert call(fast, tile_url(pyramid, "versioned")).status == 200
    answer = call(fast, tile_url(pyramid, "versioned"), HTTP_HOST="evil.example")
    assert answer.status == 400


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("dzi_files/10/99_0.jpeg", "", 400),  # outside the grid
        ("dzi_files/10/0_0.jpeg", "frame=x", 400),
        ("dzi_files/10/0_0.jpeg", "c7=1:2", 400),  # no such channel
    ],
)
def test_errors_of_a_known_caller_are_answered_by_django(
    pyramid: Image,
    fast: TileFastPath,
    django_app: Counting,
    cast: Any,
    client: Any,
    path: str,
    query: str,
    status: int,
) -> None:
    headers = session_of(client, cast.member)
    assert call(fast, tile_url(pyramid, "native"), **headers).status == 200
    before = django_app.calls
    answer = call(fast, f"/api/v1/images/images/{pyramid.pk}/{path}", query=query, **headers)
    assert answer.status == status
    assert b'"detail"' in answer.body
    assert django_app.calls == before + 1


def test_other_methods_and_other_routes_go_to_django(
    pyramid: Image, fast: TileFastPath, django_app: Counting, cast: Any, client: Any
) -> None:
    headers = session_of(client, cast.member)
    assert call(fast, tile_url(pyramid, "native"), **headers).status == 200
    before = django_app.calls
    assert call(fast, tile_url(pyramid, "native"), method="POST").status == 405
    dzi = call(fast, f"/api/v1/images/images/{pyramid.pk}/dzi.dzi", **headers)
    assert dzi.status == 200 and b"TileSize" in dzi.body
    assert django_app.calls == before + 2


def test_the_fast_path_steps_aside_when_the_middleware_is_not_the_reviewed_list(
    settings: Any, django_app: Counting
) -> None:
    assert isinstance(wrap(django_app), TileFastPath)
    settings.MIDDLEWARE = [*REVIEWED_MIDDLEWARE, "example.middleware.RateLimit"]
    assert wrap(django_app) is django_app


def test_lamellas_wsgi_application_is_behind_the_fast_path() -> None:
    from lamella.wsgi import application

    assert isinstance(application, TileFastPath)
