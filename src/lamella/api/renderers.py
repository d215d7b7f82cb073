"""JSON through orjson: the same bytes in shape as DRF's renderer, at a fraction of the cost.

A ``limit=10000`` page of annotations is about 4 MB of JSON; DRF's renderer spends a quarter of
a second on it with the standard library, orjson a few milliseconds. orjson also embeds
:class:`orjson.Fragment` values verbatim, which lets a view hand over rows that the database
already wrote as JSON text (see :mod:`lamella.annotations.api.list_rows`) without decoding them.

What orjson cannot write (integers beyond 64 bits) goes to DRF's renderer, so no request fails
here that DRF would have answered; an ``indent`` asked for in the Accept header is honoured.
"""

import json
from collections.abc import Mapping
from typing import Any

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
_DRF_ENCODER = JSONEncoder()


def _default(value: Any) -> Any:
    """Everything orjson does not know natively (lazy strings, Decimal, datetimes, querysets):
    DRF's encoder turns it into something JSON, exactly as DRF's renderer would."""
    return _DRF_ENCODER.default(value)


def contains_fragments(data: Any) -> bool:
    """True when ``data`` holds an :class:`orjson.Fragment` one or two levels down, as the
    envelope of a fast list does; such data can only be written by orjson."""
    if isinstance(data, orjson.Fragment):
        return True
    if isinstance(data, Mapping):
        return any(isinstance(value, orjson.Fragment) for value in data.values())
    return False


class FastJSONRenderer(JSONRenderer):
    """``application/json`` written by orjson, falling back to DRF's renderer where it must."""

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if data is None:
            return b""
        try:
            compact = orjson.dumps(data, default=_default, option=_OPTIONS)
        except orjson.JSONEncodeError:
            if contains_fragments(data):
                raise
            return bytes(super().render(data, accepted_media_type, renderer_context))
        indent = self.get_indent(accepted_media_type or "", renderer_context or {})
        if indent is None:
            return compact
        # Asked for by people reading the answer, so rare: re-read orjson's output (it may hold
        # fragments that DRF's encoder cannot write) and indent it as DRF would.
        return json.dumps(json.loads(compact), indent=indent, ensure_ascii=False).encode()
