"""Opening a path or an already open file the same way, and writing files whole or not at all."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, TextIO, cast

#: What every ``parse`` and ``write`` accepts: a path, or an open file (text or binary).
Source = str | os.PathLike[str] | IO[Any]


def is_path(source: Source) -> bool:
    """True when ``source`` names a file rather than being an open one."""
    return isinstance(source, str | os.PathLike)


def stem(source: Source) -> str | None:
    """The file name without its suffixes (``a.b.xml`` -> ``a.b``), when there is one."""
    name = os.fspath(cast(str, source)) if is_path(source) else getattr(source, "name", None)
    if not isinstance(name, str) or not name:
        return None
    return Path(name).stem


def _is_binary(handle: IO[Any]) -> bool:
    if isinstance(handle, io.TextIOBase):
        return False
    if isinstance(handle, io.RawIOBase | io.BufferedIOBase):
        return True
    return "b" in getattr(handle, "mode", "b")


@contextmanager
def open_binary(source: Source) -> Iterator[BinaryIO]:
    """``source`` as a binary stream positioned at its start (a text stream is encoded)."""
    if is_path(source):
        with Path(cast(str, source)).open("rb") as binary:
            yield binary
        return
    handle = cast(IO[Any], source)
    if _is_binary(handle):
        yield cast(BinaryIO, handle)
    else:
        yield io.BytesIO(str(handle.read()).encode("utf-8"))


@contextmanager
def open_text(source: Source, encoding: str = "utf-8-sig") -> Iterator[TextIO]:
    """``source`` as a text stream; a byte order mark is dropped."""
    if is_path(source):
        with Path(cast(str, source)).open(encoding=encoding, newline="") as text:
            yield text
        return
    handle = cast(IO[Any], source)
    if not _is_binary(handle):
        yield cast(TextIO, handle)
        return
    wrapper = io.TextIOWrapper(cast(BinaryIO, handle), encoding=encoding, newline="")
    try:
        yield wrapper
    finally:
        # leave the caller's file open
        wrapper.detach()


def rewindable(source: Source) -> Source:
    """A source that can be read twice: paths and seekable files as they are."""
    if is_path(source):
        return source
    handle = cast(IO[Any], source)
    if handle.seekable():
        return handle
    return io.BytesIO(handle.read()) if _is_binary(handle) else io.StringIO(handle.read())


def rewind(source: Source) -> None:
    """Seek an open file back to its start (a path needs nothing)."""
    if not is_path(source):
        cast(IO[Any], source).seek(0)


@contextmanager
def write_text(target: Source, encoding: str = "utf-8") -> Iterator[TextIO]:
    """A text stream on ``target``; a path is written under a temporary name, then renamed."""
    if not is_path(target):
        handle = cast(IO[Any], target)
        if _is_binary(handle):
            wrapper = io.TextIOWrapper(cast(BinaryIO, handle), encoding=encoding, newline="")
            try:
                yield wrapper
                wrapper.flush()
            finally:
                wrapper.detach()
        else:
            yield cast(TextIO, handle)
        return
    with (
        atomic_path(target) as temporary,
        temporary.open("w", encoding=encoding, newline="") as out,
    ):
        yield out


@contextmanager
def write_binary(target: Source) -> Iterator[BinaryIO]:
    """A binary stream on ``target``; a path is written under a temporary name, then renamed."""
    if not is_path(target):
        handle = cast(IO[Any], target)
        if not _is_binary(handle):
            raise TypeError("this format is binary: give a path or a file opened in 'wb' mode")
        yield cast(BinaryIO, handle)
        return
    with atomic_path(target) as temporary, temporary.open("wb") as out:
        yield out


@contextmanager
def atomic_path(target: Source) -> Iterator[Path]:
    """A temporary path beside ``target`` that replaces it only when the block succeeds."""
    final = Path(os.fspath(cast(str, target)))
    descriptor, name = tempfile.mkstemp(prefix=f".{final.name}.", dir=final.parent or ".")
    os.close(descriptor)
    temporary = Path(name)
    try:
        yield temporary
        temporary.replace(final)
    finally:
        temporary.unlink(missing_ok=True)
