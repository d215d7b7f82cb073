"""Reading the features of a very large GeoJSON file one at a time, so memory stays flat.

A parsed FeatureCollection of a million features holds ~3 GB of Python objects; streamed with
ijson (C backend) it holds one feature at a time, at about twice the parse time of orjson. So
files above :data:`STREAM_BYTES` stream and smaller ones are read whole. Without ijson
installed, everything is read whole.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lamella.interop.model import ParseError

try:  # optional: bounded memory for huge files
    import ijson
except ImportError:  # pragma: no cover
    ijson = None

#: Files larger than this are streamed when ijson is installed.
STREAM_BYTES = 64 * 2**20
_COLLECTION = re.compile(rb'^\s*\{\s*"type"\s*:\s*"FeatureCollection"')


def can_stream(path: str | os.PathLike[str]) -> bool:
    """True for a large file that starts as a FeatureCollection (its ``type`` key first)."""
    if ijson is None:
        return False
    file = Path(path)
    if file.stat().st_size <= STREAM_BYTES:
        return False
    with file.open("rb") as handle:
        head = handle.read(4096).removeprefix(b"\xef\xbb\xbf")
    return _COLLECTION.match(head) is not None


def features(path: str | os.PathLike[str]) -> Iterator[Any]:
    """The items of the file's ``features`` list, one at a time."""
    count = 0
    with Path(path).open("rb") as handle:
        try:
            for item in ijson.items(handle, "features.item", use_float=True):
                yield item
                count += 1
        except ijson.JSONError as error:
            raise ParseError(
                f"malformed JSON ({error})", location=f"after feature {count}"
            ) from None
