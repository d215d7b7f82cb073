"""Format detection from a file's content (magic bytes), never from its extension.

Uploads arrive with whatever name the user's browser gave them, so the extension is a hint at
best; the first bytes (and, for TIFF, the first directory) decide which backend reads a file.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import tifffile

from lamella.slides.errors import CorruptFile, UnsupportedFormat

_HEADER_BYTES = 560  # covers DICOM's preamble (132) and both NIfTI headers (348 / 540 + magic)
_BIGTIFF = (b"II+\x00", b"MM\x00+")
_BMP_HEADER_SIZES = (12, 40, 52, 56, 64, 108, 124)  # the DIB header versions after "BM"


class FileKind(StrEnum):
    """The container a file is, as told by its magic bytes."""

    TIFF = "tiff"
    DICOM = "dicom"
    NIFTI = "nifti"
    JPEG = "jpeg"
    PNG = "png"
    BMP = "bmp"
    ZIP = "zip"
    MRXS = "mrxs"
    VMS = "vms"


class TiffVendor(StrEnum):
    """What produced a TIFF, from its first directory (tags and ImageDescription)."""

    APERIO = "aperio"
    HAMAMATSU = "hamamatsu"
    PHILIPS = "philips"
    VENTANA = "ventana"
    LEICA = "leica"
    QPTIFF = "qptiff"
    OME = "ome"
    GENERIC = "generic"


@dataclass(frozen=True)
class Detected:
    """The result of `detect_format`.

    `subtype` refines `kind`: the `TiffVendor` of a TIFF, the DICOM Modality ("SM" for slide
    images, "ANN" for annotation objects), or "nifti1"/"nifti2".
    """

    kind: FileKind
    subtype: str = ""
    bigtiff: bool = False
    gzipped: bool = False
    signal: bool = False
    """A TIFF whose samples are not 8-bit grey/RGB (16-bit, float, many channels): OpenSlide
    would reduce them to 8-bit RGB, so tifffile reads them."""


def detect_format(path: str | Path) -> Detected:
    """Detect the format of `path` from its content.

    Raises `CorruptFile` for an empty file and `UnsupportedFormat` when no known magic matches.
    """
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(_HEADER_BYTES)
    if not head:
        raise CorruptFile(f"{path.name}: the file is empty")
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        vendor, signal = _tiff_info(path)
        return Detected(FileKind.TIFF, vendor, bigtiff=head[:4] in _BIGTIFF, signal=signal)
    if head[128:132] == b"DICM":
        return Detected(FileKind.DICOM, _dicom_modality(path))
    nifti = _nifti_version(head)
    if nifti:
        return Detected(FileKind.NIFTI, nifti)
    if head[:2] == b"\x1f\x8b":
        nifti = _nifti_version(_gunzip_head(path))
        if nifti:
            return Detected(FileKind.NIFTI, nifti, gzipped=True)
        raise UnsupportedFormat(f"{path.name}: a gzip file that does not hold a NIfTI volume")
    if head[:3] == b"\xff\xd8\xff":
        if (path.parent / path.stem / "Slidedat.ini").is_file():
            return Detected(FileKind.MRXS)
        return Detected(FileKind.JPEG)
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return Detected(FileKind.PNG)
    if head[:2] == b"BM" and int.from_bytes(head[14:18], "little") in _BMP_HEADER_SIZES:
        return Detected(FileKind.BMP)
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return Detected(FileKind.ZIP)
    if head.lstrip(b"\xef\xbb\xbf").startswith(b"[Virtual Microscope Specimen]"):
        return Detected(FileKind.VMS)
    raise UnsupportedFormat(
        f"{path.name}: not a supported image format (first bytes {head[:8].hex(' ')} match "
        "no TIFF, DICOM, NIfTI, JPEG, PNG, BMP, ZIP or MRXS signature)"
    )


def _tiff_info(path: Path) -> tuple[str, bool]:
    """(vendor, signal) of a TIFF; vendor "" when even its first directory cannot be parsed."""
    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages.first
            signal = page.bitspersample > 8 or page.samplesperpixel not in (1, 3, 4)
            flags = (
                ("is_svs", TiffVendor.APERIO),
                ("is_ndpi", TiffVendor.HAMAMATSU),
                ("is_philips", TiffVendor.PHILIPS),
                ("is_bif", TiffVendor.VENTANA),
                ("is_scn", TiffVendor.LEICA),
                ("is_qpi", TiffVendor.QPTIFF),
                ("is_ome", TiffVendor.OME),
            )
            for flag, vendor in flags:
                if getattr(tif, flag, False):
                    return vendor, signal
            return TiffVendor.GENERIC, signal
    # tifffile raises several types on damaged headers; none of them is ours to handle here.
    except (tifffile.TiffFileError, ValueError, OSError, IndexError, KeyError):
        return "", False


def _dicom_modality(path: Path) -> str:
    import pydicom  # only DICOM files pay for importing it
    from pydicom.errors import InvalidDicomError

    try:
        dataset = pydicom.dcmread(path, stop_before_pixels=True)
    except (InvalidDicomError, OSError, ValueError, EOFError):
        return ""
    return str(dataset.get("Modality", ""))


def _nifti_version(head: bytes) -> str:
    def header_size(value: int) -> bool:
        return value in (int.from_bytes(head[:4], "little"), int.from_bytes(head[:4], "big"))

    if len(head) >= 348 and head[344:348] in (b"n+1\x00", b"ni1\x00") and header_size(348):
        return "nifti1"
    if len(head) >= 8 and head[4:8] == b"n+2\x00" and header_size(540):
        return "nifti2"
    return ""


def _gunzip_head(path: Path) -> bytes:
    try:
        with gzip.open(path, "rb") as fh:
            return fh.read(_HEADER_BYTES)
    except (OSError, EOFError, zlib.error):
        return b""
