"""Native Deep Zoom: the file's own JPEG tiles sent as stored ("passthrough").

For a TIFF-based slide (SVS, generic tiled TIFF, our converted pyramids) whose levels are
JPEG-tiled, the Deep Zoom grid is the file's grid: TileSize = the file's tile size, Overlap 0,
and each Deep Zoom level that equals a file level (within one pixel of rounding) is served
from that level's stored tiles. Deep Zoom levels between file levels, and tiles the file
cannot provide as they are, are rendered by `DeepZoom` from the next finer level.

Edge tiles. A TIFF stores edge tiles at full size, padded past the image; Deep Zoom expects
them cropped. OpenSeadragon draws every tile into the rectangle the level's size implies, so
a padded tile would be squeezed; OpenLayers' Zoomify/DZI source assumes the same. So by
default an edge tile is cropped, i.e. decoded and re-encoded (about 1 % of tiles on a large
slide); `crop_edges=False` returns the stored full-size tile for clients whose grid clips
tiles to the image extent (e.g. an OpenLayers TileGrid with an `extent`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tifffile

from lamella.slides.base import SlideReader
from lamella.slides.deepzoom import DeepZoom
from lamella.slides.errors import CorruptFile, SlideError
from lamella.slides.jpeg import add_adobe_rgb, needs_adobe_rgb, splice_tables
from lamella.slides.render import render_tile


@dataclass(frozen=True)
class NativeLevel:
    """One Deep Zoom level: served from `file_level`'s stored tiles, or rendered if None."""

    z: int
    width: int
    height: int
    file_level: int | None


@dataclass(frozen=True)
class NativeGrid:
    """The native Deep Zoom layout of a slide."""

    width: int
    height: int
    tile_size: int
    levels: tuple[NativeLevel, ...]
    overlap: int = 0
    image_format: str = "jpeg"

    @property
    def rendered_levels(self) -> tuple[int, ...]:
        """The Deep Zoom levels with no file level: produced by downscaling a finer level."""
        return tuple(level.z for level in self.levels if level.file_level is None)

    def dzi(self) -> str:
        """The .dzi XML descriptor."""
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<Image xmlns="http://schemas.microsoft.com/deepzoom/2008" '
            f'Format="{self.image_format}" Overlap="{self.overlap}" TileSize="{self.tile_size}">'
            f'<Size Height="{self.height}" Width="{self.width}"/></Image>'
        )


@dataclass(frozen=True)
class Tile:
    """Encoded tile bytes, their media type, and whether they are the file's stored bytes."""

    data: bytes
    media_type: str
    passthrough: bool


@dataclass
class _StoredLevel:
    page: Any
    rgb_coded: bool
    across: int
    down: int
    adobe: bool | None = None  # decided on the first tile: encoders are consistent within a page


def _is_jpeg_tiled(page: Any, tile_size: int | None) -> bool:
    return bool(
        page.is_tiled
        and page.compression == tifffile.COMPRESSION.JPEG
        and page.tilewidth == page.tilelength
        and (tile_size is None or page.tilewidth == tile_size)
        and page.planarconfig == tifffile.PLANARCONFIG.CONTIG
        and page.samplesperpixel in (1, 3)
        and page.bitspersample == 8
    )


def native_tiles(path: str | Path, reader: SlideReader) -> NativeTiles | None:
    """`NativeTiles` for `path` when its level 0 is a JPEG-tiled TIFF page, else None."""
    if not reader.is_rgb or reader.frames != 1:
        return None
    try:
        tif = tifffile.TiffFile(path)
    except (tifffile.TiffFileError, ValueError, OSError):
        return None
    pages_by_size: dict[tuple[int, int], Any] = {}
    for page in tif.pages:
        if isinstance(page, tifffile.TiffPage) and page.is_tiled:
            pages_by_size.setdefault((page.imagewidth, page.imagelength), page)
    base = pages_by_size.get(reader.dimensions)
    if base is None or not _is_jpeg_tiled(base, None):
        tif.close()
        return None
    return NativeTiles(tif, reader, pages_by_size, int(base.tilewidth))


class NativeTiles:
    """Native Deep Zoom tiles of one slide; build it with `native_tiles`."""

    def __init__(
        self,
        tif: tifffile.TiffFile,
        reader: SlideReader,
        pages_by_size: dict[tuple[int, int], Any],
        tile_size: int,
        *,
        quality: int = 90,
    ) -> None:
        self._tif = tif
        self._lock = threading.Lock()
        self.reader = reader
        self.quality = quality
        self._deepzoom = DeepZoom(reader, tile_size=tile_size, overlap=0)
        self._stored: dict[int, _StoredLevel] = {}
        levels = []
        for z, (z_width, z_height) in enumerate(self._deepzoom.level_dimensions):
            file_level = None
            for level, (width, height) in enumerate(reader.level_dimensions):
                page = pages_by_size.get((width, height))
                if abs(width - z_width) <= 1 and abs(height - z_height) <= 1 and page is not None:
                    if _is_jpeg_tiled(page, tile_size):
                        file_level = level
                        self._stored[z] = _StoredLevel(
                            page,
                            page.photometric == tifffile.PHOTOMETRIC.RGB
                            and page.samplesperpixel == 3,
                            -(-width // tile_size),
                            -(-height // tile_size),
                        )
                    break
            levels.append(NativeLevel(z, z_width, z_height, file_level))
        width, height = reader.dimensions
        self.grid = NativeGrid(width, height, tile_size, tuple(levels))

    def is_passthrough(self, z: int, col: int, row: int, *, crop_edges: bool = True) -> bool:
        """True when tile (col, row) of level z is sent as stored bytes."""
        stored = self._stored.get(z)
        if stored is None or col >= stored.across or row >= stored.down:
            return False
        if not crop_edges:
            return True
        size = self.grid.tile_size
        z_width, z_height = self._deepzoom.level_dimensions[z]
        page = stored.page
        right, bottom = (col + 1) * size, (row + 1) * size
        return right <= min(z_width, page.imagewidth) and bottom <= min(z_height, page.imagelength)

    def tile(self, z: int, col: int, row: int, *, crop_edges: bool = True) -> Tile:
        """Tile (col, row) of Deep Zoom level z: stored bytes when possible, else rendered."""
        if self.is_passthrough(z, col, row, crop_edges=crop_edges):
            data = self._stored_jpeg(self._stored[z], col, row)
            if data is not None:
                return Tile(data, "image/jpeg", True)
        data = render_tile(self._deepzoom, z, (col, row), quality=self.quality)
        return Tile(data, "image/jpeg", False)

    def stored_tile(self, z: int, col: int, row: int) -> bytes | None:
        """The standalone stored JPEG of a tile (full size, also at edges); None if sparse."""
        stored = self._stored.get(z)
        if stored is None or not (0 <= col < stored.across and 0 <= row < stored.down):
            raise SlideError(f"tile ({col}, {row}) of level {z} is not stored in the file")
        return self._stored_jpeg(stored, col, row)

    def _stored_jpeg(self, stored: _StoredLevel, col: int, row: int) -> bytes | None:
        page = stored.page
        index = row * stored.across + col
        offset, count = page.dataoffsets[index], page.databytecounts[index]
        if not count:
            return None  # sparse tile: render the background instead
        with self._lock:
            handle = self._tif.filehandle
            handle.seek(offset)
            raw = handle.read(count)
        if len(raw) != count:
            raise CorruptFile(f"tile {index} is truncated ({len(raw)} of {count} bytes)")
        jpeg = splice_tables(raw, page.jpegtables)
        if stored.adobe is None:
            stored.adobe = needs_adobe_rgb(jpeg, rgb_coded=stored.rgb_coded)
        return add_adobe_rgb(jpeg) if stored.adobe else jpeg

    def close(self) -> None:
        """Close the TIFF handle (the reader stays open: it belongs to the caller)."""
        self._tif.close()
