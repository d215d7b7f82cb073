"""A JSON parser that reads an empty body as ``{}`` and refuses unencodable text.

exact-sync sends methods generated with form parameters as an empty JSON body; EXACT answers
those with a validation error, not a parse error, and so do we.

JSON may escape a lone UTF-16 surrogate (``"\\ud800"``); Python decodes it into a ``str`` that
cannot be encoded to UTF-8, so the database, password hashing or the response renderer would
raise later. Such a body is a parse error (400) here, once, instead of a 500 anywhere.
"""

import re
from collections.abc import Mapping
from io import BytesIO
from typing import IO, Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# A \uD800-\uDFFF escape in the raw body: the only way a lone surrogate gets into parsed JSON.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return _SURROGATE.search(value) is not None
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


class LenientJSONParser(JSONParser):
    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        body = stream.read()
        if not body.strip():
            return {}
        data = super().parse(BytesIO(body), media_type, parser_context)
        # Valid surrogate pairs decode to one character, so only look when an escape is present.
        if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(data):
            raise ParseError("JSON parse error - a string holds a lone UTF-16 surrogate escape.")
        return data
