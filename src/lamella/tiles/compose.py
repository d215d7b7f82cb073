"""Native tiles of the Deep Zoom levels a file lacks, built from the four tiles above them.

Rendering such a tile through the reader reads everything it covers at the nearest finer
level: below a slide's smallest stored level, one tile near the top of the pyramid reads the
whole of that level (6.6 megapixels for CMU-1-Small-Region.svs, about a second of CPU).
Built from its 2 x 2 children instead, which come from the per-process cache of rendered
tiles or are stored tiles themselves, each costs four small decodes and one resize; the whole
missing part of a pyramid is made in less time than one tile read the old way.
"""

from __future__ import annotations

import io

from PIL import Image as PILImage

from lamella.slides import NativeTiles
from lamella.tiles.cache import OpenSlide, rendered

JPEG_QUALITY = 90


def native_tile(opened: OpenSlide, native: NativeTiles, z: int, col: int, row: int) -> bytes:
    """Tile (col, row) of native level z: stored bytes, else from the cache or made."""
    if native.is_passthrough(z, col, row) or not _in_grid(native, z, col, row):
        return native.tile(z, col, row).data  # stored bytes, or the reader's range error
    key = (opened.key, "native", z, col, row)
    data = rendered.get(key)
    if data is None:
        data = _make(opened, native, z, col, row)
        rendered.put(key, data)
    return data


def _in_grid(native: NativeTiles, z: int, col: int, row: int) -> bool:
    levels, size = native.grid.levels, native.grid.tile_size
    if not 0 <= z < len(levels):
        return False
    return 0 <= col < -(-levels[z].width // size) and 0 <= row < -(-levels[z].height // size)


def _make(opened: OpenSlide, native: NativeTiles, z: int, col: int, row: int) -> bytes:
    levels = native.grid.levels
    # Edge tiles of stored levels read little; the top level has no children.
    if levels[z].file_level is not None or z + 1 >= len(levels):
        return native.tile(z, col, row).data
    size = native.grid.tile_size
    below = levels[z + 1]
    cols = -(-below.width // size)
    rows = -(-below.height // size)
    children = [
        (dx, dy) for dy in (0, 1) for dx in (0, 1) if 2 * col + dx < cols and 2 * row + dy < rows
    ]
    pictures = {
        (dx, dy): PILImage.open(
            io.BytesIO(native_tile(opened, native, z + 1, 2 * col + dx, 2 * row + dy))
        ).convert("RGB")
        for dx, dy in children
    }
    width = sum(pictures[(dx, 0)].width for dx in (0, 1) if (dx, 0) in pictures)
    height = sum(pictures[(0, dy)].height for dy in (0, 1) if (0, dy) in pictures)
    canvas = PILImage.new("RGB", (width, height))
    for (dx, dy), picture in pictures.items():
        canvas.paste(picture, (dx * size, dy * size))
    # Deep Zoom halves with rounding up: a 3 px wide block becomes 2 px.
    tile = canvas.resize(
        (max(1, -(-width // 2)), max(1, -(-height // 2))), PILImage.Resampling.LANCZOS
    )
    buffer = io.BytesIO()
    tile.save(buffer, "JPEG", quality=JPEG_QUALITY)
    return buffer.getvalue()
