"""Parsing a large file in a process beside the importer, so that both cores work.

An import spends about half of its Python time reading the file (JSON, records, shapes) and
half matching, validating and sending rows; in one process the two take turns on one core. Here
the format's parser runs in a child process (``python -m lamella.interop.beside``) and sends
its records in pickled batches over a pipe; :func:`parse` hands them on as an ordinary
:class:`~lamella.interop.model.Document` whose records arrive while the next ones are read.
The pipe is the only link: a slow importer blocks the child, so memory stays bounded.

A :class:`ParseError` or ``OSError`` in the child is raised again here, at the same point of
the stream, with the same location. Anything else the child meets is a bug, raised as
:class:`BesideError` with its traceback. Leaving early (closing the records iterator) stops the
child.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import importlib
import os
import pickle
import struct
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from lamella.interop.model import ClassInfo, Document, ParseError, Record, Shape, VectorType

#: Records per message: ~200 KB of pickle, a few ms of work on either side.
BATCH_RECORDS = 1_000
#: The pipe's buffer (Linux allows raising it to 1 MiB without privileges).
PIPE_BYTES = 1 << 20
_LENGTH = struct.Struct("<Q")


class BesideError(RuntimeError):
    """The parser process failed in a way a parser should not (a bug), or died."""


def usable(options: dict[str, Any]) -> bool:
    """Whether ``options`` can cross to the child: plain data, no callables."""
    try:
        pickle.dumps(options)
    except (pickle.PicklingError, TypeError, AttributeError):
        return False
    return not any(callable(value) for value in options.values())


def parse(module: str, path: str | os.PathLike[str], options: dict[str, Any]) -> Document:
    """The document of ``path`` as ``lamella.interop.<module>.parse(path, **options)`` reads
    it, parsed in a child process. Errors the parser raises before its first record (a file
    that is not this format) are raised here, as the in-process call would."""
    child = subprocess.Popen(
        [sys.executable, "-m", "lamella.interop.beside"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=0,
        env=_child_env(),
    )
    assert child.stdin is not None and child.stdout is not None
    _widen(child.stdout)
    try:
        _write_all(child.stdin, pickle.dumps((module, os.fspath(path), options)))
        child.stdin.close()
        kind, *body = _receive(child.stdout)
        _raise_if_failed(kind, body)
        classes, images, image_meta, meta = body
    except BaseException:
        _stop(child)
        raise
    document = Document([], classes=classes, images=images, image_meta=image_meta, meta=meta)
    document.records = _records(child, document)
    return document


def _records(child: subprocess.Popen[bytes], document: Document) -> Iterator[Record]:
    assert child.stdout is not None
    try:
        while True:
            kind, *body = _receive(child.stdout)
            _raise_if_failed(kind, body)
            new_classes, packed = body
            document.classes.update(new_classes)
            if kind == "end":
                return
            yield from map(_unpack, packed)
    finally:
        _stop(child)


def _raise_if_failed(kind: str, body: list[Any]) -> None:
    if kind == "parse-error":
        raise ParseError(body[0], location=body[1])
    if kind == "os-error":
        raise OSError(body[0])
    if kind == "crash":
        raise BesideError(f"the parser process failed:\n{body[0]}")


def _receive(stream: IO[bytes]) -> list[Any]:
    (size,) = _LENGTH.unpack(_read_exactly(stream, _LENGTH.size))
    return list(pickle.loads(_read_exactly(stream, size)))


def _read_exactly(stream: IO[bytes], size: int) -> bytearray:
    """``size`` bytes from the unbuffered pipe: one read may bring only part of them."""
    data = bytearray(size)
    view = memoryview(data)
    done = 0
    while done < size:
        got = stream.readinto(view[done:])  # type: ignore[attr-defined]
        if not got:
            raise BesideError("the parser process ended without a word")
        done += got
    return data


def _write_all(stream: IO[bytes], data: bytes) -> None:
    view = memoryview(data)
    while view:  # an unbuffered write may take only part
        view = view[stream.write(view) or 0 :]


def _stop(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.kill()
    child.wait()
    for stream in (child.stdin, child.stdout):
        if stream is not None and not stream.closed:
            stream.close()


def _child_env() -> dict[str, str]:
    """This process's environment, with the directory holding ``lamella`` on the path."""
    source = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    return env


def _widen(stream: IO[bytes]) -> None:
    # not Linux, or a lower limit: the default pipe does
    with contextlib.suppress(AttributeError, OSError):
        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


# Records cross as plain tuples: half the time of pickling the dataclasses on the reading side.


def _pack(record: Record) -> tuple[Any, ...]:
    shape, kind = record.shape, record.shape.vector_type
    return (
        *(record.image_name, record.class_name, None if kind is None else int(kind)),
        *(shape.vector, shape.hint, shape.holes, record.unique_identifier, record.deleted),
        *(record.concealed, record.blurred, record.description, record.meta_data, record.score),
        *(record.votes, record.colour, record.user, record.last_editor, record.time),
        record.last_edit_time,
    )


_KINDS: dict[Any, Any] = {int(kind): kind for kind in VectorType} | {None: None}


def _unpack(packed: tuple[Any, ...]) -> Record:
    (image, name, kind, vector, hint, holes, *rest) = packed
    return Record(image, name, Shape(_KINDS.get(kind, kind), vector, hint, holes), *rest)


# The child's side.


def _send(out: IO[bytes], message: tuple[Any, ...]) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    _write_all(out, _LENGTH.pack(len(data)) + data)


def _new_classes(classes: dict[str, ClassInfo], sent: set[str]) -> dict[str, ClassInfo]:
    """Classes the parser added since the last message (streaming parsers add as they read)."""
    fresh = {name: info for name, info in classes.items() if name not in sent}
    sent.update(fresh)
    return fresh


def _serve(out: IO[bytes], module: str, path: str, options: dict[str, Any]) -> None:
    parser: Callable[..., Document] = importlib.import_module(f"lamella.interop.{module}").parse
    document = parser(path, **options)
    sent = set(document.classes)
    _send(out, ("head", dict(document.classes), document.images, document.image_meta,
                document.meta))  # fmt: skip
    batch: list[tuple[Any, ...]] = []
    try:
        for record in document:
            batch.append(_pack(record))
            if len(batch) >= BATCH_RECORDS:
                _send(out, ("records", _new_classes(document.classes, sent), batch))
                batch = []
    except BaseException:  # the records before the problem first, as in one process
        _send(out, ("records", _new_classes(document.classes, sent), batch))
        raise
    _send(out, ("records", _new_classes(document.classes, sent), batch))
    _send(out, ("end", _new_classes(document.classes, sent), []))


def main() -> None:
    """Read ``(module, path, options)`` from stdin, send the document to stdout."""
    gc.disable()  # millions of parsed objects and no cycles: as the importer does
    module, path, options = pickle.load(sys.stdin.buffer)
    out = open(sys.stdout.fileno(), "wb", buffering=0, closefd=False)  # noqa: SIM115
    try:
        _serve(out, module, path, options)
    except ParseError as error:
        _send(out, ("parse-error", error.problem, error.location))
    except OSError as error:
        _send(out, ("os-error", str(error)))
    except Exception:  # noqa: BLE001 - a bug in a parser: the importer shows it whole
        _send(out, ("crash", traceback.format_exc()))


if __name__ == "__main__":
    main()
