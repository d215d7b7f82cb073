"""Reading the loosely typed bodies of EXACT's legacy routes.

SlideRunner sends JSON, ExactManager form-encodes (so ``True`` arrives as ``"True"`` and a dict
as its first key), and EXACT itself parsed with ``int()``/``bool()``. Every helper here either
returns a clean value or raises a 400 ``ParseError`` naming the field, never a 500.
"""

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.request import Request

from lamella.api.fields import parse_exact_datetime

_TRUE = {"true", "1", "yes", "on", "t", "y"}
_FALSE = {"false", "0", "no", "off", "f", "n", "", "none", "null"}


def body(request: Request) -> Mapping[str, Any]:
    """The request body as a mapping (JSON object or form); a JSON array is refused."""
    data = request.data
    if not isinstance(data, Mapping):
        raise ParseError("The body must be a JSON object or a form.")
    return data


def integer(source: Mapping[str, Any], name: str) -> int:
    """A required whole number; ``"12"`` and ``12`` are both fine, ``true`` is not."""
    if name not in source or source[name] in (None, ""):
        raise ParseError(f"{name} is required.")
    value = source[name]
    if isinstance(value, bool):
        raise ParseError(f"{name} must be a whole number, not {value!r}.")
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ParseError(f"{name} must be a whole number, not {value!r}.") from exc


def optional_integer(source: Mapping[str, Any], name: str, default: int) -> int:
    """A whole number that may be absent."""
    if source.get(name) in (None, ""):
        return default
    return integer(source, name)


def boolean(value: Any, name: str) -> bool:
    """``True``/``False``, 0/1 and their spellings as strings (EXACT's ``bool("False")`` is
    ``True``; here it is ``False``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ParseError(f"{name} must be true or false, not {value!r}.")


def optional_boolean(source: Mapping[str, Any], name: str, default: bool) -> bool:
    """A boolean that may be absent (or null)."""
    value = source.get(name)
    return default if value is None else boolean(value, name)


def timestamp(source: Mapping[str, Any], name: str) -> dt.datetime | None:
    """An aware datetime from EXACT's ``"%Y-%m-%dT%H:%M:%S.%f"`` (and its other spellings)."""
    value = source.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ParseError(f"{name} must be a string like 2026-11-22T03:44:23.202455.")
    try:
        return parse_exact_datetime(value)
    except ValueError as exc:
        raise ParseError(f"{name}: {exc}") from exc


def identifier(source: Mapping[str, Any], name: str) -> uuid.UUID | None:
    """A UUID, or None when absent or empty (SlideRunner sends ``""`` for "none yet")."""
    value = source.get(name)
    if value in (None, ""):
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise ParseError(f"{name} must be a UUID, not {value!r}.") from exc


def object_id(value: Any, name: str) -> int:
    """An id given as ``12``, ``"12"`` or ``{"id": 12}`` (ExactManager sends dicts)."""
    if isinstance(value, Mapping):
        return integer(value, "id") if "id" in value else integer({}, f"{name}.id")
    return integer({name: value}, name)
