"""The HTTP layer: one ``requests.Session`` with the credentials, JSON in and out, errors mapped
to :class:`LamellaError`, and generators over paginated lists and NDJSON streams."""

import json
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urljoin

import requests

from lamella.client.errors import LamellaError

# EXACT's servers answer overload with 502-504; exact-sync retries those, so do we.
RETRY_STATUSES = frozenset({502, 503, 504})
RETRIES = 3


def _detail(response: requests.Response) -> tuple[str, Any]:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return (text[:500] or response.reason or "no detail"), text
    if isinstance(body, dict) and "detail" in body:
        return str(body["detail"]), body
    return json.dumps(body)[:500], body


def _params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Query parameters as the API reads them: booleans as true/false, lists comma-joined."""
    if params is None:
        return None
    clean: dict[str, Any] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list | tuple | set):
            value = ",".join(str(item) for item in value)
        clean[key] = value
    return clean


class Transport:
    """Sends requests to one Lamella (or EXACT) server."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 60.0,
        session: requests.Session | None = None,
    ) -> None:
        self.base = url.rstrip("/") + "/"
        self.timeout = timeout
        self.session = session or requests.Session()
        if token is not None:
            self.session.headers["Authorization"] = f"Bearer {token}"
        elif username is not None:
            self.session.auth = (username, password or "")

    def url(self, path: str) -> str:
        return urljoin(self.base, path.lstrip("/"))

    def send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One request; raises :class:`LamellaError` unless the answer is 2xx."""
        kwargs["params"] = _params(kwargs.get("params"))
        kwargs.setdefault("timeout", self.timeout)
        target = path if path.startswith(("http://", "https://")) else self.url(path)
        response: requests.Response | None = None
        for _attempt in range(RETRIES):
            try:
                response = self.session.request(method, target, **kwargs)
            except requests.RequestException as exc:
                raise LamellaError(None, f"{method} {target} failed: {exc}") from exc
            if response.status_code not in RETRY_STATUSES or kwargs.get("stream"):
                break
        assert response is not None  # RETRIES >= 1
        if response.status_code >= 400:
            detail, body = _detail(response)
            raise LamellaError(response.status_code, detail, body)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """The decoded JSON answer (None for 204 No Content)."""
        response = self.send(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise LamellaError(response.status_code, "the answer is not JSON") from exc

    def paginate(
        self, path: str, params: Mapping[str, Any] | None = None, page_size: int | None = None
    ) -> Iterator[Any]:
        """Every result of a list endpoint, following ``next`` page after page."""
        query = dict(params or {})
        if page_size is not None:
            query["limit"] = page_size
        page = self.json("GET", path, params=query)
        while True:
            yield from page["results"]
            if not page.get("next"):
                return
            page = self.json("GET", page["next"])

    def ndjson(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """The objects of an NDJSON answer, decoded as they arrive."""
        response = self.send("GET", path, params=params, stream=True)
        with response:
            for line in response.iter_lines(chunk_size=1 << 16):
                if line:
                    yield json.loads(line)
