"""Calling a WSGI application in process, as granian would, inside a test's transaction.

Django's test client never runs ``lamella.wsgi.application``, so the fast path's tests call
the application here. Like the test client, this keeps Django's request signals from closing
the test's database connection (which would end the test's transaction).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import close_old_connections

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n.lower() == name.lower()), None)

    def header_set(self) -> set[tuple[str, str]]:
        """Headers as a set: names in lower case, order ignored (HTTP does not order them)."""
        return {(n.lower(), v) for n, v in self.headers}


@contextmanager
def connection_kept() -> Iterator[None]:
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def call(
    app: WsgiApp, path: str, *, query: str = "", method: str = "GET", **headers: str
) -> Answer:
    """``app``'s answer to ``method path?query``; ``headers`` as WSGI keys (``HTTP_COOKIE``)."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        **headers,
    }
    started: list[tuple[str, list[tuple[str, str]]]] = []

    def start_response(status: str, response_headers: Any, exc_info: Any = None) -> None:
        started.append((status, list(response_headers)))

    with connection_kept():
        result = app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
    status, response_headers = started[-1]
    return Answer(int(status.split()[0]), response_headers, body)


class Counting:
    """A WSGI application that counts the requests reaching it (Django, behind the fast path)."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        self.calls += 1
        return self.app(environ, start_response)
