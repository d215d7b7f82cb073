"""Imaging without Django: format detection, readers, conversion and tile encoding.

Start with `open_slide(path)`, which returns a `SlideReader` (OpenSlide-shaped); then
`DeepZoom` / `render_tile` for rendered tiles, `native_tiles` for passthrough tiles, and
`convert_to_pyramid` for input that is not a tiled pyramid. Errors are `SlideError`s.
"""

from lamella.slides.base import Channel, SlideReader
from lamella.slides.convert import ConversionResult, convert_to_pyramid, needs_conversion
from lamella.slides.deepzoom import DeepZoom
from lamella.slides.detect import Detected, FileKind, TiffVendor, detect_format
from lamella.slides.errors import CorruptFile, SlideError, TooLarge, UnsupportedFormat
from lamella.slides.opener import DEFAULT_MAX_PIXELS, open_slide
from lamella.slides.render import (
    ChannelDisplay,
    ChannelStats,
    channel_stats,
    default_displays,
    render_region,
    render_tile,
)
from lamella.slides.tiles import NativeGrid, NativeTiles, Tile, native_tiles

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "Channel",
    "ChannelDisplay",
    "ChannelStats",
    "ConversionResult",
    "CorruptFile",
    "DeepZoom",
    "Detected",
    "FileKind",
    "NativeGrid",
    "NativeTiles",
    "SlideError",
    "SlideReader",
    "TiffVendor",
    "Tile",
    "TooLarge",
    "UnsupportedFormat",
    "channel_stats",
    "convert_to_pyramid",
    "default_displays",
    "detect_format",
    "native_tiles",
    "needs_conversion",
    "open_slide",
    "render_region",
    "render_tile",
]
