"""The one exception the client raises."""

from typing import Any


class LamellaError(Exception):
    """A request failed: the server answered 4xx/5xx, or it could not be reached.

    ``status`` is the HTTP status (None when no answer came), ``detail`` the server's
    ``{"detail": ...}`` message or a description of the failure, ``body`` the decoded answer.
    """

    def __init__(self, status: int | None, detail: str, body: Any = None) -> None:
        super().__init__(f"{status}: {detail}" if status is not None else detail)
        self.status = status
        self.detail = detail
        self.body = body
