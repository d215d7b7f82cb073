"""Turning a TIFF's stored JPEG tile into a standalone JPEG a browser decodes correctly.

A JPEG-compressed TIFF usually keeps its quantisation and Huffman tables once, in the
JPEGTables tag (an abbreviated stream SOI, DQT, DHT, EOI), and each tile as SOI, SOF, SOS, EOI.
A standalone file is the tables without their EOI followed by the tile without its SOI.

Aperio writes tiles whose components are RGB (Photometric RGB), not YCbCr, with no marker
saying so; decoders then assume YCbCr and the colours come out wrong. An Adobe APP14 segment
with transform 0 tells every decoder (libjpeg, browsers, Pillow) that no colour transform applies.
"""

from __future__ import annotations

from lamella.slides.errors import CorruptFile

SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
#: APP14 "Adobe", version 100, flags 0 and 0, transform 0 (components are not YCbCr).
ADOBE_RGB = b"\xff\xee\x00\x0eAdobe\x00\x64\x00\x00\x00\x00\x00"
_APP14 = 0xEE
_SOS = 0xDA
_STANDALONE = {0x01, *range(0xD0, 0xD8)}  # markers without a length field


def header_markers(jpeg: bytes) -> list[int]:
    """The marker codes of a JPEG's header segments, up to and excluding the scan (SOS)."""
    if jpeg[:2] != SOI:
        raise CorruptFile("a JPEG tile that does not start with SOI")
    markers: list[int] = []
    position = 2
    while position + 4 <= len(jpeg):
        if jpeg[position] != 0xFF:
            raise CorruptFile(f"a JPEG tile with a broken header at byte {position}")
        marker = jpeg[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == _SOS:
            break
        markers.append(marker)
        if marker in _STANDALONE:
            position += 2
            continue
        position += 2 + int.from_bytes(jpeg[position + 2 : position + 4], "big")
    return markers


def splice_tables(tile: bytes, tables: bytes | None) -> bytes:
    """A standalone JPEG from an abbreviated tile and the TIFF's JPEGTables (if any)."""
    if tile[:2] != SOI:
        raise CorruptFile("a JPEG tile that does not start with SOI")
    if not tables:
        return tile
    if tables[:2] != SOI or tables[-2:] != EOI:
        raise CorruptFile("JPEGTables that are not an SOI ... EOI stream")
    return tables[:-2] + tile[2:]


def needs_adobe_rgb(jpeg: bytes, *, rgb_coded: bool) -> bool:
    """True when the tile's components are RGB and nothing in the stream says so yet."""
    return rgb_coded and _APP14 not in header_markers(jpeg)


def add_adobe_rgb(jpeg: bytes) -> bytes:
    """The JPEG with an Adobe APP14 (transform 0) segment right after SOI."""
    if jpeg[:2] != SOI:
        raise CorruptFile("a JPEG tile that does not start with SOI")
    return SOI + ADOBE_RGB + jpeg[2:]
