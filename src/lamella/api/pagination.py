"""EXACT's envelope: ``{"count", "next", "previous", "results"}`` with limit/offset paging.

exact-sync follows ``next`` without a ``limit`` of its own, so ``next`` always carries both
``limit`` and ``offset`` (DRF's LimitOffsetPagination does) and the default page size is 50.
"""

from typing import Any

from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

# Above this an offset or limit cannot address a row anyway, and SQLite refuses integers
# wider than 64 bits; capping turns a would-be 500 into an empty page.
_CAP = 2**53


class ExactPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = None  # EXACT has none; clients ask for limit=10000 in one request

    def get_limit(self, request: Request) -> int | None:
        limit = super().get_limit(request)
        return min(limit, _CAP) if limit is not None else None

    def get_offset(self, request: Request) -> int:
        return min(super().get_offset(request), _CAP)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        envelope = super().get_paginated_response_schema(schema)
        envelope["required"] = ["count", "next", "previous", "results"]
        return envelope
