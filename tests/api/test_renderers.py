"""orjson writes what DRF's renderer writes, and falls back to it where orjson cannot."""

import datetime as dt
import decimal
import json
import uuid

import orjson
import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer

from lamella.api.renderers import FastJSONRenderer

DATA = {
    "text": 'é ☃ "q" \\',
    "lazy": gettext_lazy("Not found."),
    "numbers": [1, 2.5, -0.0, None, True],
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "decimal": decimal.Decimal("1.25"),
    "when": dt.datetime(2024, 5, 17, 14, 3, 27, 123456, tzinfo=dt.UTC),
    3: "an integer key",
}


def test_the_same_json_as_drfs_renderer():
    assert json.loads(FastJSONRenderer().render(DATA)) == json.loads(JSONRenderer().render(DATA))


def test_integers_beyond_64_bits_fall_back_to_drfs_renderer():
    assert json.loads(FastJSONRenderer().render({"n": 2**70})) == {"n": 2**70}


def test_fragments_are_written_verbatim_and_indent_is_honoured():
    data = {"count": 1, "results": orjson.Fragment(b'[{"a":1}]')}
    assert FastJSONRenderer().render(data) == b'{"count":1,"results":[{"a":1}]}'
    indented = FastJSONRenderer().render(data, "application/json; indent=4")
    assert indented.startswith(b'{\n    "count": 1') and json.loads(indented)["results"] == [
        {"a": 1}
    ]


def test_a_fragment_beside_what_orjson_cannot_write_is_an_error_not_a_silent_loss():
    with pytest.raises(orjson.JSONEncodeError):
        FastJSONRenderer().render({"n": 2**70, "results": orjson.Fragment(b"[]")})


def test_nothing_renders_as_an_empty_body():
    assert FastJSONRenderer().render(None) == b""
