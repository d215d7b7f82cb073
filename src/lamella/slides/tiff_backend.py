"""tifffile backend: OME-TIFF (channels, z/t series), QPTIFF, multi-page and high bit depth TIFF.

Regions are decoded segment by segment (tiles or strips), so a request never decodes more than
the tiles or strips it touches, whatever the size of the page.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import tifffile

from lamella.slides.base import RGB_CHANNELS, Channel, SlideReader
from lamella.slides.errors import CorruptFile, UnsupportedFormat
from lamella.slides.tiff_metadata import channel_metadata, mpp_and_power

_ASSOCIATED = ("thumbnail", "label", "macro", "overview")
_SEGMENT_CACHE = 64  # decoded tiles/strips kept per file: neighbouring tile requests share strips
_RGB = (tifffile.PHOTOMETRIC.RGB, tifffile.PHOTOMETRIC.YCBCR)
# imagecodecs reports unknown codecs and bad data with these; all mean "cannot decode".
_DECODE_ERRORS = (ValueError, RuntimeError, NotImplementedError, KeyError, tifffile.TiffFileError)


class TiffReader(SlideReader):
    """A TIFF read through tifffile, keeping the file's dtype and every channel."""

    backend = "tifffile"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._tif = tifffile.TiffFile(self.path)
            series = self._main_series()
            self._setup(series)
        except (tifffile.TiffFileError, ValueError, IndexError, KeyError, OSError) as exc:
            raise CorruptFile(f"{self.path.name}: tifffile cannot parse it: {exc}") from exc
        self._lock = threading.Lock()
        self._segments: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()

    def _main_series(self) -> Any:
        for series in self._tif.series:
            if (series.name or "").lower() not in _ASSOCIATED:
                return series
        raise CorruptFile(f"{self.path.name}: the TIFF holds no readable image (truncated?)")

    def _setup(self, series: Any) -> None:
        keyframe = series.keyframe
        page_axes: str = keyframe.axes
        axes: str = series.axes
        if not axes.endswith(page_axes) or "Y" not in page_axes or "X" not in page_axes:
            raise UnsupportedFormat(f"{self.path.name}: unsupported TIFF layout {axes}")
        self._outer_axes = axes[: len(axes) - len(page_axes)]
        self._outer_shape = tuple(series.shape[: len(self._outer_axes)])
        samples = keyframe.samplesperpixel if "S" in page_axes else 1
        has_c = "C" in self._outer_axes
        if has_c and samples > 1:
            raise UnsupportedFormat(f"{self.path.name}: channels in both pages and samples")
        self.is_rgb = not has_c and keyframe.photometric in _RGB and samples in (3, 4)
        self.dtype = np.dtype(series.dtype)
        frame_axes = [i for i, a in enumerate(self._outer_axes) if a != "C"]
        self._frame_axes = frame_axes
        self.frames = math.prod(self._outer_shape[i] for i in frame_axes) if frame_axes else 1
        self._levels = list(series.levels)
        if len(self._levels) == 1:
            self._levels += self._reduced_series(series)
        dims = []
        for level in self._levels:
            page = level.keyframe
            dims.append((int(page.imagewidth), int(page.imagelength)))
        self.level_dimensions = tuple(dims)
        w0, h0 = dims[0]
        self.level_downsamples = tuple((w0 / w + h0 / h) / 2 for w, h in dims)
        count = self._outer_shape[self._outer_axes.index("C")] if has_c else samples
        if self.is_rgb:
            self.channels = RGB_CHANNELS
        else:
            self.channels = channel_metadata(self._tif, series, count) or tuple(
                Channel(f"Channel {i}") for i in range(count)
            )
        self.mpp, self.objective_power = mpp_and_power(self._tif, keyframe)
        description = str(keyframe.description or "")
        self.properties = {
            "tiff.ImageDescription": description[:65536],
            "tiff.Software": str(keyframe.software or ""),
            "tiff.Compression": str(getattr(keyframe.compression, "name", keyframe.compression)),
            "lamella.tiff-axes": axes,
        }

    def _reduced_series(self, series: Any) -> list[Any]:
        """Later series that are reduced copies of `series`: a pyramid tifffile did not group."""
        found = []
        width = series.keyframe.imagewidth
        all_series = list(self._tif.series)
        start = next(i for i, candidate in enumerate(all_series) if candidate is series)
        for other in all_series[start + 1 :]:
            page = other.keyframe
            if (
                other.axes == series.axes
                and other.dtype == series.dtype
                and page.subfiletype & tifffile.FILETYPE.REDUCEDIMAGE
                and page.imagewidth < width
            ):
                found.append(other)
                width = page.imagewidth
        return found

    def _page(self, level: int, frame: int, channel: int) -> Any:
        """The page holding `channel` of `frame` at `level`."""
        series = self._levels[level]
        if not self._outer_axes:
            return series.keyframe
        frame_shape = [self._outer_shape[i] for i in self._frame_axes]
        frame_index = np.unravel_index(frame, frame_shape) if frame_shape else ()
        index = [0] * len(self._outer_axes)
        for axis, value in zip(self._frame_axes, frame_index, strict=True):
            index[axis] = int(value)
        if "C" in self._outer_axes:
            index[self._outer_axes.index("C")] = channel
        flat = int(np.ravel_multi_index(index, self._outer_shape))
        return series.pages[flat]

    def _read(
        self,
        level: int,
        frame: int,
        l_location: tuple[int, int],
        l_size: tuple[int, int],
        channels: tuple[int, ...],
    ) -> np.ndarray:
        if "C" in self._outer_axes:
            planes = [
                self._read_page(self._page(level, frame, c), l_location, l_size)[..., 0]
                for c in channels
            ]
            return np.stack(planes, axis=-1)
        pixels = self._read_page(self._page(level, frame, 0), l_location, l_size)
        return pixels[..., list(channels)]

    def _read_page(
        self, page: Any, l_location: tuple[int, int], l_size: tuple[int, int]
    ) -> np.ndarray:
        keyframe = page.keyframe
        x, y = l_location
        width, height = l_size
        samples = keyframe.samplesperpixel
        if keyframe.is_tiled:
            seg_h, seg_w = keyframe.tilelength, keyframe.tilewidth
        else:
            seg_h, seg_w = min(keyframe.rowsperstrip, keyframe.imagelength), keyframe.imagewidth
        across = math.ceil(keyframe.imagewidth / seg_w)
        down = math.ceil(keyframe.imagelength / seg_h)
        separate = keyframe.planarconfig == tifffile.PLANARCONFIG.SEPARATE and samples > 1
        out = np.zeros((height, width, samples), dtype=keyframe.dtype)
        for t_row in range(y // seg_h, (y + height - 1) // seg_h + 1):
            for t_col in range(x // seg_w, (x + width - 1) // seg_w + 1):
                for plane in range(samples if separate else 1):
                    index = plane * across * down + t_row * across + t_col
                    segment = self._segment(page, index)
                    s_y0, s_x0 = t_row * seg_h, t_col * seg_w
                    oy0, ox0 = max(y, s_y0), max(x, s_x0)
                    oy1 = min(y + height, s_y0 + segment.shape[0])
                    ox1 = min(x + width, s_x0 + segment.shape[1])
                    if oy1 <= oy0 or ox1 <= ox0:
                        continue
                    part = segment[oy0 - s_y0 : oy1 - s_y0, ox0 - s_x0 : ox1 - s_x0]
                    target = out[oy0 - y : oy1 - y, ox0 - x : ox1 - x]
                    if separate:
                        target[..., plane] = part[..., 0]
                    else:
                        target[...] = part
        return out

    def _segment(self, page: Any, index: int) -> np.ndarray:
        """One decoded tile or strip as (rows, columns, samples), through a small LRU."""
        key = (int(page.offset), index)
        cached = self._segments.get(key)
        if cached is not None:
            self._segments.move_to_end(key)
            return cached
        keyframe = page.keyframe
        offset, count = page.dataoffsets[index], page.databytecounts[index]
        with self._lock:
            handle = self._tif.filehandle
            handle.seek(offset)
            data = handle.read(count) if count else None
        try:
            decoded, _, shape = keyframe.decode(data, index, jpegtables=keyframe.jpegtables)
        except _DECODE_ERRORS as exc:
            raise CorruptFile(f"{self.path.name}: segment {index} does not decode: {exc}") from exc
        if decoded is None:  # a sparse (never written) tile
            decoded = np.zeros(shape, dtype=keyframe.dtype)
        segment = decoded.reshape(shape[-3:])
        self._segments[key] = segment
        if len(self._segments) > _SEGMENT_CACHE:
            self._segments.popitem(last=False)
        return segment

    def _associated_names(self) -> Sequence[str]:
        return tuple(
            (s.name or "").lower()
            for s in self._tif.series
            if (s.name or "").lower() in _ASSOCIATED
        )

    def _read_associated(self, name: str) -> np.ndarray:
        for series in self._tif.series:
            if (series.name or "").lower() == name:
                pixels = np.asarray(series.asarray())
                if pixels.ndim == 2:
                    pixels = np.repeat(pixels[..., None], 3, axis=-1)
                return pixels[..., :3].astype(np.uint8)
        raise KeyError(name)

    def close(self) -> None:
        """Close the file."""
        self._tif.close()
