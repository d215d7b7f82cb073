"""`open_slide`: pick a backend from the detected format, with a fallback chain and a pixel cap."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from lamella.slides.base import SlideReader
from lamella.slides.detect import Detected, FileKind, TiffVendor, detect_format
from lamella.slides.errors import CorruptFile, SlideError, TooLarge, UnsupportedFormat

logger = logging.getLogger(__name__)

#: Level-0 pixels above which a file is refused (a decompression bomb guard); the largest
#: scanner slides are about 200,000 x 100,000 pixels.
DEFAULT_MAX_PIXELS = 200_000 * 200_000

Opener = Callable[[Path], SlideReader]


def _openslide(path: Path) -> SlideReader:
    from lamella.slides.openslide_backend import OpenSlideReader

    return OpenSlideReader(path)


def _tifffile(path: Path) -> SlideReader:
    from lamella.slides.tiff_backend import TiffReader

    return TiffReader(path)


def _dicom(path: Path) -> SlideReader:
    from lamella.slides.dicom_backend import DicomReader

    return DicomReader(path)


def _nifti(path: Path) -> SlideReader:
    from lamella.slides.nifti_backend import NiftiReader

    return NiftiReader(path)


def _pillow(path: Path) -> SlideReader:
    from lamella.slides.image_backend import PillowReader

    return PillowReader(path)


def backend_chain(detected: Detected) -> list[Opener]:
    """The backends to try for a detected format, best first."""
    kind = detected.kind
    if kind is FileKind.TIFF:
        if detected.signal or detected.subtype in (TiffVendor.OME, TiffVendor.QPTIFF):
            return [_tifffile, _openslide]
        return [_openslide, _tifffile]
    if kind is FileKind.DICOM:
        if detected.subtype and detected.subtype != "SM":
            raise UnsupportedFormat(
                f"a DICOM {detected.subtype} object, not a slide image (Modality SM)"
            )
        return [_openslide, _dicom]
    if kind is FileKind.NIFTI:
        return [_nifti]
    if kind in (FileKind.JPEG, FileKind.PNG, FileKind.BMP):
        return [_pillow]
    if kind in (FileKind.MRXS, FileKind.VMS):
        return [_openslide]
    if kind is FileKind.ZIP:
        raise UnsupportedFormat("a zip archive: unpack it and open its images one by one")
    raise UnsupportedFormat(f"no backend reads {kind}")


def open_slide(path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> SlideReader:
    """Open `path` with the first backend of its chain that can read it.

    Each candidate must decode one pixel before it is accepted, so a file that parses but
    whose pixels cannot be decoded fails here and not on the first tile.
    Raises `UnsupportedFormat`, `CorruptFile` or `TooLarge` (all `SlideError`).
    """
    path = Path(path)
    detected = detect_format(path)
    errors: list[SlideError] = []
    try:
        chain = backend_chain(detected)
    except UnsupportedFormat as exc:
        raise UnsupportedFormat(f"{path.name}: {exc}") from exc
    for opener in chain:
        try:
            reader = opener(path)
        except SlideError as exc:
            logger.debug("%s: %s refused: %s", path.name, opener.__name__, exc)
            errors.append(exc)
            continue
        try:
            _check_size(reader, max_pixels)
            reader.read_region((0, 0), reader.level_count - 1, (1, 1))
        except SlideError as exc:
            reader.close()
            errors.append(exc)
            if isinstance(exc, TooLarge):
                raise
            continue
        return reader
    raise _summarise(path, detected, errors)


def _check_size(reader: SlideReader, max_pixels: int) -> None:
    width, height = reader.dimensions
    if width * height > max_pixels:
        raise TooLarge(
            f"{reader.path.name}: {width}x{height} pixels exceed the cap of {max_pixels}"
        )


def _summarise(path: Path, detected: Detected, errors: list[SlideError]) -> SlideError:
    what = f"{detected.kind}" + (f" ({detected.subtype})" if detected.subtype else "")
    reasons = "; ".join(str(e) for e in errors) or "no backend"
    if any(isinstance(e, TooLarge) for e in errors):
        return TooLarge(f"{path.name}: {reasons}")
    if any(isinstance(e, CorruptFile) for e in errors):
        return CorruptFile(f"{path.name}: a {what} file that cannot be read: {reasons}")
    return UnsupportedFormat(f"{path.name}: a {what} file that no backend reads: {reasons}")
