"""Well-known text (WKT) read and written for the geometries EXACT shapes need.

Reads POINT, MULTIPOINT (both ``(1 2, 3 4)`` and ``((1 2), (3 4))``), LINESTRING,
MULTILINESTRING, POLYGON and MULTIPOLYGON, with optional Z/M values (ignored) and EMPTY.
"""

from __future__ import annotations

import re
from typing import Any

from lamella.interop.geometry import Geometry
from lamella.interop.model import ParseError

_TOKEN = re.compile(r"\s*(?:([A-Za-z]+)|([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|([(),]))")
_NAMES = {
    "POINT": "Point",
    "MULTIPOINT": "MultiPoint",
    "LINESTRING": "LineString",
    "MULTILINESTRING": "MultiLineString",
    "POLYGON": "Polygon",
    "MULTIPOLYGON": "MultiPolygon",
}


def _tokens(text: str, location: str) -> list[str]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ParseError(
                f"unexpected WKT text at {text[position : position + 20]!r}", location=location
            )
        tokens.append(next(group for group in match.groups() if group is not None))
        position = match.end()
    return tokens


def parse(text: str, *, location: str = "WKT") -> Geometry:
    """``(GeoJSON type, coordinates)`` from WKT; :class:`ParseError` names ``location``."""
    tokens = _tokens(text, location)
    if not tokens:
        raise ParseError("empty WKT", location=location)
    name = _NAMES.get(tokens[0].upper())
    if name is None:
        raise ParseError(f"unsupported WKT geometry {tokens[0]!r}", location=location)
    position = 1
    while position < len(tokens) and tokens[position].upper() in ("Z", "M", "ZM"):
        position += 1
    if position < len(tokens) and tokens[position].upper() == "EMPTY":
        raise ParseError(f"{tokens[0].upper()} EMPTY has no coordinates", location=location)
    value, position = _nested(tokens, position, location)
    if position != len(tokens):
        raise ParseError(f"unexpected {tokens[position]!r} after the geometry", location=location)
    return name, _shape_to(name, value, location)


def _nested(tokens: list[str], position: int, location: str) -> tuple[Any, int]:
    """A parenthesised list: a position (list of floats) or a list of such lists."""
    if position >= len(tokens) or tokens[position] != "(":
        raise ParseError("expected '('", location=location)
    position += 1
    items: list[Any] = []
    numbers: list[float] = []
    while position < len(tokens):
        token = tokens[position]
        if token == "(":
            item, position = _nested(tokens, position, location)
            items.append(item)
        elif token == ")":
            if numbers:
                items.append(numbers)
            return items, position + 1
        elif token == ",":
            if numbers:
                items.append(numbers)
                numbers = []
            position += 1
        else:
            try:
                numbers.append(float(token))
            except ValueError:
                raise ParseError(f"{token!r} is not a number", location=location) from None
            position += 1
    raise ParseError("unbalanced parentheses (truncated WKT?)", location=location)


def _shape_to(name: str, value: list[Any], location: str) -> Any:
    def flatten_positions(items: list[Any]) -> list[list[float]]:
        # positions are lists of numbers; MULTIPOINT may wrap each in its own parentheses
        result = []
        for item in items:
            if item and isinstance(item[0], list):
                result.extend(flatten_positions(item))
            else:
                result.append(_position(item, location))
        return result

    if name == "Point":
        if len(value) != 1:
            raise ParseError("a POINT has one position", location=location)
        return _position(value[0], location)
    if name in ("MultiPoint", "LineString"):
        return flatten_positions(value)
    if name in ("MultiLineString", "Polygon"):
        return [flatten_positions(part) for part in value]
    return [[flatten_positions(ring) for ring in polygon] for polygon in value]


def _position(numbers: Any, location: str) -> list[float]:
    if not isinstance(numbers, list) or len(numbers) < 2 or isinstance(numbers[0], list):
        raise ParseError(f"a position needs x and y, not {numbers!r}", location=location)
    return [numbers[0], numbers[1]]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def format_wkt(geometry: Geometry) -> str:
    """WKT for ``(GeoJSON type, coordinates)``."""
    name, coordinates = geometry

    def position(p: list[float]) -> str:
        return f"{_number(p[0])} {_number(p[1])}"

    def positions(items: list[list[float]]) -> str:
        return "(" + ", ".join(position(p) for p in items) + ")"

    if name == "Point":
        body = "(" + position(coordinates) + ")"
    elif name in ("MultiPoint", "LineString"):
        body = positions(coordinates)
    elif name in ("MultiLineString", "Polygon"):
        body = "(" + ", ".join(positions(part) for part in coordinates) + ")"
    else:
        body = (
            "("
            + ", ".join(
                "(" + ", ".join(positions(r) for r in polygon) + ")" for polygon in coordinates
            )
            + ")"
        )
    return f"{name.upper()} {body}"
