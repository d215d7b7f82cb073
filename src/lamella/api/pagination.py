"""EXACT's envelope: ``{"count", "next", "previous", "results"}`` with limit/offset paging.

exact-sync follows ``next`` without a ``limit`` of its own, so ``next`` always carries both
``limit`` and ``offset`` (DRF's LimitOffsetPagination does) and the default page size is 50.
A ``limit`` or ``offset`` that is not a whole number, or is negative, is a 400 rather than
silently the first page: a client paging with a broken offset would otherwise loop forever.
``limit=0`` keeps DRF's meaning, the default page size.
"""

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

# Above this an offset or limit cannot address a row anyway, and SQLite refuses integers
# wider than 64 bits; capping turns a would-be 500 into an empty page.
_CAP = 2**53


def _check_whole_number(request: Request, name: str) -> None:
    text = request.query_params.get(name, "").strip()
    if text and not (text.isascii() and text.isdigit()):
        raise ValidationError({name: [f"must be a whole number of at least 0, not {text!r}"]})


class ExactPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = None  # EXACT has none; clients ask for limit=10000 in one request

    def get_limit(self, request: Request) -> int | None:
        _check_whole_number(request, self.limit_query_param)
        limit = super().get_limit(request)
        return min(limit, _CAP) if limit is not None else None

    def get_offset(self, request: Request) -> int:
        _check_whole_number(request, self.offset_query_param)
        return min(super().get_offset(request), _CAP)

    def paginate_rows(
        self, request: Request, *, counted: QuerySet[Any], fetch: Callable[[int, int], Any]
    ) -> Any | None:
        """A page as :meth:`paginate_queryset` makes it, but the rows come from
        ``fetch(offset, limit)`` and the count from ``counted``: a view can then select
        expensive columns for the page's rows only, where a sliced query would have the
        database compute them for every row it sorts or skips. None: the page is empty."""
        self.request = request
        self.limit = self.get_limit(request) or self.default_limit
        self.count = self.get_count(counted)
        self.offset = self.get_offset(request)
        if self.count == 0 or self.offset > self.count:
            return None
        return fetch(self.offset, self.limit)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        envelope = super().get_paginated_response_schema(schema)
        envelope["required"] = ["count", "next", "previous", "results"]
        return envelope
