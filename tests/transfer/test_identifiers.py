"""Identifiers as an import reads them: any UUID spelling to the same 32 hex digits, any other
id to a stable UUID of its own."""

import uuid

import pytest

from lamella.annotations.transfer.matching import as_uuid_hex

KEY = uuid.UUID("0f8fad5b-d9cb-469f-a165-70867728950e")


@pytest.mark.parametrize(
    "spelling",
    [
        str(KEY),
        str(KEY).upper(),
        KEY.hex,
        KEY.hex.upper(),
        "{" + str(KEY) + "}",
        KEY.urn,
    ],
)
def test_every_spelling_of_a_uuid_gives_its_hex(spelling: str) -> None:
    assert as_uuid_hex(spelling) == KEY.hex


@pytest.mark.parametrize("value", ["17", "cell-4", "0f8fad5b-d9cb-469f-a165-70867728950g"])
def test_other_identifiers_map_to_a_stable_uuid_of_their_own(value: str) -> None:
    first = as_uuid_hex(value)
    assert first is not None and len(first) == 32 and first == as_uuid_hex(value)
    assert first != as_uuid_hex(value + "x") and uuid.UUID(hex=first).version == 5


@pytest.mark.parametrize("value", [None, ""])
def test_no_identifier_is_none(value: str | None) -> None:
    assert as_uuid_hex(value) is None
