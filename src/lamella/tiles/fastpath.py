"""Tiles past Django's middleware: a WSGI wrapper that answers repeat tile requests itself.

Sending a stored tile costs tens of microseconds; Django's handler, URL resolver and its
eight middleware around it cost several times that (measured in ``docs/performance.md``).
The wrapper answers a tile request itself only when everything Django would decide about it
is already known, and hands everything else to Django unchanged:

- *who is calling*: learned from Django's own answer to an earlier tile request from the same
  request context (cookies, Authorization, Host, scheme and forwarding headers: everything the
  middleware and the authentication read), with the headers the middleware added to that
  answer (Vary, X-Frame-Options, nosniff, ...). Learned only from a 200 or 304 that set no
  cookie, kept ``cache.ACCESS_TTL`` seconds, keyed by a digest (no credential is kept);
- *that the caller may read the image*: the grant the tile view left in ``cache.granted``,
  which is never older than the same TTL either.

So a logout, a revoked token or membership, or a deleted image reach tiles within that TTL,
as revoked permissions already did through the grant cache. Nothing here queries the
database: the first tile of a context (and the first after each expiry) goes through Django,
which records what the next ones need. Errors (bad parameters, tiles out of range, missing
files) also go to Django, which answers them as always. The wrapper steps aside entirely when
``settings.MIDDLEWARE`` is not the list it was reviewed against.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import Http404, QueryDict

from lamella.images.http import HttpError
from lamella.slides import SlideError
from lamella.tiles import urls
from lamella.tiles.cache import callers, granted, slides
from lamella.tiles.serving import (
    CALLER_KEY,
    Headers,
    exact_tile_data,
    native_etag,
    native_tile_data,
    not_modified_headers,
    tile_headers,
)

logger = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

#: The middleware whose effect on a tile answer depends only on the request context (and is
#: therefore learned with it). Another list switches the fast path off until reviewed.
REVIEWED_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)
#: What Django's answer depends on besides the URL, its query and If-None-Match.
CONTEXT_KEYS = (
    "HTTP_COOKIE",
    "HTTP_AUTHORIZATION",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PROTO",
)
#: Headers the tile views set themselves; all others on a learned answer came from middleware.
OWN_HEADERS = frozenset({"content-type", "content-length", "etag", "cache-control"})
PREFIXES = ("/api/v1/images/images/", "/images/image/")
NATIVE, EXACT = "native", "exact"
ROUTES = tuple(
    (kind, re.compile(pattern, re.ASCII))
    for kind, pattern in (
        (NATIVE, urls.NATIVE_TILE_VERSIONED),
        (NATIVE, urls.NATIVE_TILE),
        (EXACT, urls.EXACT_TILE_API),
        (EXACT, urls.EXACT_TILE_SESSION),
    )
)
_EMPTY_QUERY: dict[str, str] = {}


@dataclass(frozen=True)
class Caller:
    """Whom a request context authenticates as, and what the middleware adds to its answers."""

    user_id: int | None
    headers: tuple[tuple[str, str], ...]


Answer = tuple[str, Headers, bytes]


def wrap(app: WsgiApp) -> WsgiApp:
    """``app`` behind the tile fast path, or ``app`` itself when the middleware differs."""
    if tuple(settings.MIDDLEWARE) != REVIEWED_MIDDLEWARE:
        logger.warning("tile fast path off: settings.MIDDLEWARE is not the reviewed list")
        return app
    return TileFastPath(app)


class TileFastPath:
    """The WSGI wrapper; see the module's docstring."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        extra = [*settings.SECURE_PROXY_SSL_HEADER[:1]] if settings.SECURE_PROXY_SSL_HEADER else []
        if settings.DISALLOWED_USER_AGENTS:
            extra.append("HTTP_USER_AGENT")
        self.context_keys = CONTEXT_KEYS + tuple(extra)

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIXES) or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        route = _route(path)
        if route is None:
            return self.app(environ, start_response)
        context = self._context(environ)
        caller = callers.get(context)
        if caller is not None:
            answer = _answer(route, caller, environ)
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        return self._through_django(environ, start_response, context)

    def _context(self, environ: dict[str, Any]) -> tuple[bytes]:
        """A digest of the request context: the repr keeps values apart however they read."""
        text = repr(tuple(environ.get(key) for key in self.context_keys))
        return (hashlib.blake2b(text.encode("utf-8", "backslashreplace"), digest_size=16).digest(),)

    def _through_django(
        self, environ: dict[str, Any], start_response: Callable[..., Any], context: tuple[bytes]
    ) -> Iterable[bytes]:
        """Django's answer, and from it the caller of this context when it is learnable."""
        seen: list[tuple[str, Headers]] = []

        def spy(status: str, headers: Headers, exc_info: Any = None) -> Any:
            seen.append((status, headers))
            return start_response(status, headers, exc_info)

        body = self.app(environ, spy)
        noted = environ.get(CALLER_KEY)
        if noted is not None and seen:
            status, headers = seen[-1]
            names = {name.lower() for name, _ in headers}
            if status[:4] in ("200 ", "304 ") and "set-cookie" not in names:
                added = tuple((n, v) for n, v in headers if n.lower() not in OWN_HEADERS)
                callers.put(context, Caller(noted[0], added))
        return body


def _route(path: str) -> tuple[str, dict[str, str]] | None:
    relative = path[1:]
    for kind, pattern in ROUTES:
        found = pattern.match(relative)
        if found is not None:
            return kind, found.groupdict()
    return None


def _answer(
    route: tuple[str, dict[str, str]], caller: Caller, environ: dict[str, Any]
) -> Answer | None:
    """The tile when the caller's grant is known and nothing goes wrong; else None (Django)."""
    kind, groups = route
    checksum = groups.get("checksum")
    grant = granted.get((caller.user_id, int(groups["image_id"]), checksum))
    if grant is None:
        return None
    image, path = grant
    ext, col, row = groups["ext"], int(groups["col"]), int(groups["row"])
    raw_query = environ.get("QUERY_STRING", "")
    query = QueryDict(raw_query.encode("iso-8859-1")) if raw_query else _EMPTY_QUERY
    try:
        opened = slides.get(path)
        if kind == EXACT:
            address = (int(groups["level"]), col, row)
            frame = int(groups["frame"])
            data = exact_tile_data(image, opened, address, frame, ext, query)
            return _ok(tile_headers(ext, None), data, caller)
        z = int(groups["z"])
        etag = None if checksum is None else native_etag(checksum, z, col, row, ext, query)
        if etag is not None and environ.get("HTTP_IF_NONE_MATCH") == etag:
            return "304 Not Modified", [*not_modified_headers(etag), *_tail(b"", caller)], b""
        data = native_tile_data(image, opened, (z, col, row), ext, query)
        return _ok(tile_headers(ext, etag), data, caller)
    except (HttpError, SlideError, Http404, OSError):
        return None  # Django answers it, with the same error as always


def _ok(headers: Headers, data: bytes, caller: Caller) -> Answer:
    return "200 OK", [*headers, *_tail(data, caller)], data


def _tail(data: bytes, caller: Caller) -> Headers:
    return [("Content-Length", str(len(data))), *caller.headers]
