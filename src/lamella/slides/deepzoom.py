"""A Deep Zoom generator over any `SlideReader`, with the semantics of openslide-python's
`DeepZoomGenerator` (EXACT's tiles: 254 px + 1 px overlap, limit_bounds off), written anew
so that it works for every backend, every frame and multi-channel windows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from lamella.slides.base import SlideReader
from lamella.slides.errors import SlideError

if TYPE_CHECKING:
    from lamella.slides.render import ChannelDisplay


class DeepZoom:
    """Deep Zoom levels and tiles of a slide. `z` is a Deep Zoom level (0 = 1 x 1 pixel)."""

    def __init__(
        self,
        reader: SlideReader,
        tile_size: int = 254,
        overlap: int = 1,
        limit_bounds: bool = False,
    ) -> None:
        self.reader = reader
        self.tile_size = tile_size
        self.overlap = overlap
        self._l0_offset = (0, 0)
        self._l_dimensions = list(reader.level_dimensions)
        if limit_bounds:
            self._limit_to_bounds()
        z_size = self._l_dimensions[0]
        z_dimensions = [z_size]
        while z_size[0] > 1 or z_size[1] > 1:
            z_size = (max(1, math.ceil(z_size[0] / 2)), max(1, math.ceil(z_size[1] / 2)))
            z_dimensions.append(z_size)
        self.level_dimensions: tuple[tuple[int, int], ...] = tuple(reversed(z_dimensions))
        self.level_tiles: tuple[tuple[int, int], ...] = tuple(
            (math.ceil(w / tile_size), math.ceil(h / tile_size)) for w, h in self.level_dimensions
        )
        count = len(self.level_dimensions)
        self._l0_z_downsamples = [2 ** (count - z - 1) for z in range(count)]
        self._slide_level = [
            reader.get_best_level_for_downsample(d) for d in self._l0_z_downsamples
        ]
        self._l_z_downsamples = [
            self._l0_z_downsamples[z] / reader.level_downsamples[self._slide_level[z]]
            for z in range(count)
        ]

    def _limit_to_bounds(self) -> None:
        props = self.reader.properties
        width, height = self._l_dimensions[0]
        x = int(props.get("openslide.bounds-x", 0))
        y = int(props.get("openslide.bounds-y", 0))
        bound_w = int(props.get("openslide.bounds-width", width))
        bound_h = int(props.get("openslide.bounds-height", height))
        self._l0_offset = (x, y)
        scale = (bound_w / width, bound_h / height)
        self._l_dimensions = [
            (math.ceil(w * scale[0]), math.ceil(h * scale[1])) for w, h in self._l_dimensions
        ]

    @property
    def level_count(self) -> int:
        """The number of Deep Zoom levels."""
        return len(self.level_dimensions)

    @property
    def tile_count(self) -> int:
        """The number of tiles over all levels."""
        return sum(cols * rows for cols, rows in self.level_tiles)

    def slide_level(self, z: int) -> int:
        """The slide level Deep Zoom level `z` is read from."""
        return self._slide_level[z]

    def tile_info(
        self, z: int, address: tuple[int, int]
    ) -> tuple[tuple[int, int], int, tuple[int, int], tuple[int, int]]:
        """(level-0 location, slide level, size to read at that level, tile size at `z`)."""
        if not 0 <= z < self.level_count:
            raise SlideError(f"Deep Zoom level {z} is out of range 0..{self.level_count - 1}")
        t_lim = self.level_tiles[z]
        if not all(0 <= t < lim for t, lim in zip(address, t_lim, strict=True)):
            raise SlideError(
                f"tile {address} is outside the {t_lim[0]}x{t_lim[1]} grid of level {z}"
            )
        slide_level = self._slide_level[z]
        l_z_downsample = self._l_z_downsamples[z]
        l_downsample = self.reader.level_downsamples[slide_level]
        z_overlap_tl = [self.overlap * int(t != 0) for t in address]
        z_overlap_br = [
            self.overlap * int(t != lim - 1) for t, lim in zip(address, t_lim, strict=True)
        ]
        z_size = tuple(
            min(self.tile_size, z_lim - self.tile_size * t) + tl + br
            for t, z_lim, tl, br in zip(
                address, self.level_dimensions[z], z_overlap_tl, z_overlap_br, strict=True
            )
        )
        l_location = [
            l_z_downsample * (self.tile_size * t - tl)
            for t, tl in zip(address, z_overlap_tl, strict=True)
        ]
        l0_location = tuple(
            int(l_downsample * l_coord) + offset
            for l_coord, offset in zip(l_location, self._l0_offset, strict=True)
        )
        l_size = tuple(
            int(min(math.ceil(l_z_downsample * dz), l_lim - math.ceil(l_coord)))
            for l_coord, dz, l_lim in zip(
                l_location, z_size, self._l_dimensions[slide_level], strict=True
            )
        )
        return (
            (l0_location[0], l0_location[1]),
            slide_level,
            (l_size[0], l_size[1]),
            (z_size[0], z_size[1]),
        )

    def get_tile(
        self,
        z: int,
        address: tuple[int, int],
        *,
        frame: int = 0,
        displays: Sequence[ChannelDisplay] | None = None,
    ) -> np.ndarray:
        """The tile as uint8 RGB (height, width, 3), windows applied before any resampling."""
        from lamella.slides.render import to_rgb8

        l0_location, slide_level, l_size, z_size = self.tile_info(z, address)
        region = self.reader.read_region(l0_location, slide_level, l_size, frame=frame)
        rgb = to_rgb8(self.reader, region, displays)
        if l_size != z_size:
            # reducing_gap as Image.thumbnail, which DeepZoomGenerator uses: same pixels.
            image = Image.fromarray(rgb)
            rgb = np.asarray(image.resize(z_size, Image.Resampling.LANCZOS, reducing_gap=2.0))
        return rgb

    def get_dzi(self, image_format: str = "jpeg") -> str:
        """The .dzi XML descriptor."""
        width, height = self._l_dimensions[0]
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<Image xmlns="http://schemas.microsoft.com/deepzoom/2008" '
            f'Format="{image_format}" Overlap="{self.overlap}" TileSize="{self.tile_size}">'
            f'<Size Height="{height}" Width="{width}"/></Image>'
        )
