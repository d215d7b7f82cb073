"""A quick check, inside the upload request, that a file is an image Lamella can serve.

Slide formats are opened with ``lamella.slides.open_slide`` (which decodes one pixel); plain
PNG/JPEG/BMP are checked by their header and, when small, decoded whole, because the Pillow
backend would otherwise decode the whole picture just to answer. Large plain images are
checked for truncation cheaply and decoded by the conversion job.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyvips
from PIL import Image as PILImage

from lamella.slides import FileKind, SlideError, TooLarge, detect_format, open_slide

#: Plain images up to this many pixels are decoded in the request to prove they are whole.
DECODE_IN_REQUEST_PIXELS = 32 * 1024 * 1024
_PLAIN = (FileKind.JPEG, FileKind.PNG, FileKind.BMP)


@dataclass(frozen=True)
class Probe:
    """The verdict on one file: ``ok``, or a ``message`` saying what is wrong."""

    ok: bool
    message: str = ""
    kind: str = ""
    width: int = 0
    height: int = 0
    too_large: bool = False


def probe(path: Path, *, max_pixels: int) -> Probe:
    """Detect the format of ``path`` by its content and check it opens within ``max_pixels``."""
    try:
        detected = detect_format(path)
    except SlideError as exc:
        return Probe(False, str(exc))
    if detected.kind in _PLAIN:
        return _probe_plain(path, str(detected.kind), max_pixels)
    try:
        with open_slide(path, max_pixels=max_pixels) as reader:
            width, height = reader.dimensions
    except TooLarge as exc:
        message = f"{exc} (the pixel cap guards against decompression bombs)"
        return Probe(False, message, too_large=True)
    except SlideError as exc:
        return Probe(False, str(exc))
    return Probe(True, kind=str(detected.kind), width=width, height=height)


def _probe_plain(path: Path, kind: str, max_pixels: int) -> Probe:
    name = path.name
    try:
        # libvips reads the header only, with no decompression-bomb refusal of its own:
        # our cap is the one that applies.
        header = pyvips.Image.new_from_file(str(path))
        width, height = int(header.width), int(header.height)
    except pyvips.Error as exc:
        return Probe(False, f"{name}: a damaged {kind} file: {_first_line(exc)}")
    if width * height > max_pixels:
        return Probe(
            False,
            f"{name}: {width}x{height} pixels exceed the cap of {max_pixels} "
            "(a guard against decompression bombs)",
            too_large=True,
        )
    if width * height <= DECODE_IN_REQUEST_PIXELS:
        try:
            with PILImage.open(path) as image:
                image.load()
        except (OSError, SyntaxError, ValueError, PILImage.DecompressionBombError) as exc:
            return Probe(False, f"{name}: a damaged or truncated {kind} file: {exc}")
    if not _has_end_marker(path, kind):
        return Probe(False, f"{name}: a truncated {kind} file (no end marker)")
    return Probe(True, kind=kind, width=width, height=height)


def _has_end_marker(path: Path, kind: str) -> bool:
    if kind == FileKind.BMP:
        return True
    with path.open("rb") as fh:
        fh.seek(max(0, path.stat().st_size - 1024))
        tail = fh.read().rstrip(b"\x00\r\n ")
    if kind == FileKind.PNG:
        return tail.endswith(b"IEND\xaeB`\x82")
    return tail.endswith(b"\xff\xd9")


def _first_line(exc: pyvips.Error) -> str:
    text = str(getattr(exc, "detail", "") or exc).strip()
    return text.splitlines()[0] if text else "unreadable"
