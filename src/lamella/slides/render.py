"""Decode, window, compose and encode: tiles and regions for everything that is not passthrough.

Multi-channel and high bit depth images are composed from per-channel displays: a window
(min, max) in the data's own units, a colour and a visibility. The window is applied to the
raw values (uint16 stays uint16 until then), so nothing is clipped to 8 bits beforehand.
Default windows come from `channel_stats`, computed once at ingest and stored by the caller.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from lamella.slides.base import SlideReader
from lamella.slides.deepzoom import DeepZoom
from lamella.slides.errors import SlideError

#: Colours for channels the file gives none: single channels show grey, the rest cycle these.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (0, 0, 255),
    (0, 255, 0),
    (255, 0, 0),
    (255, 255, 0),
    (255, 0, 255),
    (0, 255, 255),
    (255, 128, 0),
    (255, 255, 255),
)
MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png"}


@dataclass(frozen=True)
class ChannelDisplay:
    """How one channel is shown: window in data units, colour, visibility."""

    index: int
    window: tuple[float, float]
    color: tuple[int, int, int] = (255, 255, 255)
    visible: bool = True


@dataclass(frozen=True)
class ChannelStats:
    """Value statistics of one channel, from a subsample of the whole image."""

    index: int
    minimum: float
    maximum: float
    low: float
    """The lower percentile (default 0.5 %): the default window's minimum."""
    high: float
    """The upper percentile (default 99.5 %): the default window's maximum."""
    histogram: tuple[int, ...]
    """256 bins spanning [minimum, maximum]."""


def _dtype_range(dtype: np.dtype) -> tuple[float, float]:
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return float(info.min), float(info.max)
    return 0.0, 1.0


def channel_stats(
    reader: SlideReader,
    *,
    frame: int = 0,
    max_samples: int = 1 << 22,
    percentiles: tuple[float, float] = (0.5, 99.5),
) -> tuple[ChannelStats, ...]:
    """Per-channel min, max, percentiles and histogram, on at most about `max_samples` pixels.

    Reads the largest level that fits, or subsamples a level too large to read at once in
    bands, so the memory used stays bounded whatever the image size.
    """
    level = reader.level_count - 1
    for candidate in range(reader.level_count):
        width, height = reader.level_dimensions[candidate]
        if width * height <= max_samples:
            level = candidate
            break
    width, height = reader.level_dimensions[level]
    stride = max(1, math.ceil(math.sqrt(width * height / max_samples)))
    band = max(stride, (1 << 22) // max(width, 1) // stride * stride)
    downsample = reader.level_downsamples[level]
    parts = []
    for l_y in range(0, height, band):
        rows = min(band, height - l_y)
        location = (0, int(l_y * downsample))
        region = reader.read_region(location, level, (width, rows), frame=frame)
        parts.append(region[::stride, ::stride].reshape(-1, region.shape[-1]))
    samples = np.concatenate(parts)
    found = []
    for index in range(samples.shape[1]):
        values = samples[:, index].astype(np.float64)
        low, high = np.percentile(values, percentiles)
        minimum, maximum = float(values.min()), float(values.max())
        counts, _ = np.histogram(values, bins=256, range=(minimum, max(maximum, minimum + 1)))
        found.append(
            ChannelStats(
                index, minimum, maximum, float(low), float(high), tuple(int(c) for c in counts)
            )
        )
    return tuple(found)


def default_displays(
    reader: SlideReader, stats: Sequence[ChannelStats] | None = None
) -> tuple[ChannelDisplay, ...]:
    """Displays for a slide: brightfield RGB as stored; others windowed from `stats`
    (percentiles) or, without stats, from the full range of the dtype."""
    if reader.is_rgb and reader.dtype == np.uint8:
        return tuple(
            ChannelDisplay(i, (0.0, 255.0), channel.color or PALETTE[i])
            for i, channel in enumerate(reader.channels)
        )
    displays = []
    single = len(reader.channels) == 1
    for i, channel in enumerate(reader.channels):
        window = _dtype_range(reader.dtype)
        if stats is not None and i < len(stats):
            s = stats[i]
            window = (
                (s.low, s.high) if s.high > s.low else (s.minimum, max(s.maximum, s.minimum + 1))
            )
        color = channel.color or ((255, 255, 255) if single else PALETTE[i % len(PALETTE)])
        displays.append(ChannelDisplay(i, window, color))
    return tuple(displays)


def compose(region: np.ndarray, displays: Sequence[ChannelDisplay]) -> np.ndarray:
    """uint8 RGB from raw channels: each visible channel windowed, coloured and added."""
    height, width = region.shape[:2]
    out = np.zeros((height, width, 3), dtype=np.float32)
    for display in displays:
        if not display.visible:
            continue
        if not 0 <= display.index < region.shape[-1]:
            raise SlideError(
                f"display for channel {display.index}, the image has {region.shape[-1]}"
            )
        low, high = display.window
        span = float(high - low) or 1.0
        values = (region[..., display.index].astype(np.float32) - np.float32(low)) / np.float32(
            span
        )
        np.clip(values, 0.0, 1.0, out=values)
        out += values[..., None] * (np.asarray(display.color, dtype=np.float32) / 255.0)
    np.clip(out, 0.0, 1.0, out=out)
    return (out * 255.0 + 0.5).astype(np.uint8)


def to_rgb8(
    reader: SlideReader, region: np.ndarray, displays: Sequence[ChannelDisplay] | None = None
) -> np.ndarray:
    """A region of `reader` as uint8 RGB; brightfield RGB without displays is passed as is."""
    if displays is None and reader.is_rgb and region.dtype == np.uint8 and region.shape[-1] >= 3:
        return np.ascontiguousarray(region[..., :3])
    return compose(region, displays if displays is not None else default_displays(reader))


def encode(rgb: np.ndarray, image_format: str = "jpeg", quality: int = 90) -> bytes:
    """JPEG or PNG bytes of a uint8 RGB array."""
    if image_format not in MEDIA_TYPES:
        raise SlideError(f"unknown tile format {image_format!r}; use jpeg or png")
    buffer = io.BytesIO()
    image = Image.fromarray(rgb)
    if image_format == "jpeg":
        image.save(buffer, "JPEG", quality=quality)
    else:
        image.save(buffer, "PNG", compress_level=3)
    return buffer.getvalue()


def render_tile(
    deepzoom: DeepZoom,
    z: int,
    address: tuple[int, int],
    *,
    frame: int = 0,
    displays: Sequence[ChannelDisplay] | None = None,
    image_format: str = "jpeg",
    quality: int = 90,
) -> bytes:
    """An encoded Deep Zoom tile, decoded and re-encoded (any backend, codec or channel count)."""
    rgb = deepzoom.get_tile(z, address, frame=frame, displays=displays)
    return encode(rgb, image_format, quality)


def render_region(
    reader: SlideReader,
    location: tuple[int, int],
    level: int,
    size: tuple[int, int],
    *,
    frame: int = 0,
    displays: Sequence[ChannelDisplay] | None = None,
    image_format: str = "jpeg",
    quality: int = 90,
) -> bytes:
    """An encoded region (EXACT's get_patch), windows applied."""
    region = reader.read_region(location, level, size, frame=frame)
    return encode(to_rgb8(reader, region, displays), image_format, quality)
