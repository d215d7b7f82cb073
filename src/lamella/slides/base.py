"""The one reader interface every backend implements, shaped like openslide-python's `OpenSlide`.

Differences from OpenSlide, all deliberate:
- `read_region` returns a numpy array `(height, width, channels)` in the file's own dtype (uint16
  fluorescence stays uint16; windows are applied later, in `lamella.slides.render`), not RGBA.
- Slides may have several frames (z-planes, time points, NIfTI slices) and named channels.
- Pixels outside the level are `fill_value` (white for brightfield RGB, 0 otherwise), never
  transparent, so that every consumer gets the same background.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import ClassVar, Self

import numpy as np

from lamella.slides.errors import SlideError, TooLarge

#: The largest region one `read_region` call may allocate (EXACT's get_patch allows 2048 x 2048).
MAX_REGION_PIXELS = 8192 * 8192


@dataclass(frozen=True)
class Channel:
    """One channel of a slide: its name and, when the file says so, its display colour."""

    name: str
    color: tuple[int, int, int] | None = None


RGB_CHANNELS = (
    Channel("Red", (255, 0, 0)),
    Channel("Green", (0, 255, 0)),
    Channel("Blue", (0, 0, 255)),
)


class LazyImages(Mapping[str, np.ndarray]):
    """Associated images (label, macro, thumbnail) decoded on first access."""

    def __init__(self, names: Sequence[str], load: Callable[[str], np.ndarray]) -> None:
        self._names = tuple(names)
        self._load = load
        self._cache: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._names:
            raise KeyError(name)
        if name not in self._cache:
            self._cache[name] = self._load(name)
        return self._cache[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class SlideReader(ABC):
    """An open slide. Subclasses set the metadata attributes in `__init__` and implement `_read`.

    Coordinates follow OpenSlide: `location` is in level-0 pixels, `size` in pixels of `level`.
    """

    backend: ClassVar[str] = ""

    path: Path
    level_dimensions: tuple[tuple[int, int], ...]
    level_downsamples: tuple[float, ...]
    properties: Mapping[str, str]
    mpp: float | None
    """Micrometres per level-0 pixel (mean of x and y), when the file records it."""
    objective_power: float | None
    frames: int
    channels: tuple[Channel, ...]
    dtype: np.dtype
    is_rgb: bool
    """True when the channels are the red, green and blue of one colour image (brightfield)."""

    @property
    def level_count(self) -> int:
        """The number of pyramid levels."""
        return len(self.level_dimensions)

    @property
    def dimensions(self) -> tuple[int, int]:
        """(width, height) of level 0."""
        return self.level_dimensions[0]

    @property
    def fill_value(self) -> int:
        """The value of pixels outside the image: white for brightfield, 0 for signal images."""
        return 255 if self.is_rgb and self.dtype == np.uint8 else 0

    @property
    def associated_images(self) -> Mapping[str, np.ndarray]:
        """Label, macro, thumbnail... as uint8 RGB arrays, decoded lazily."""
        return LazyImages(self._associated_names(), self._read_associated)

    def get_best_level_for_downsample(self, downsample: float) -> int:
        """The level with the largest downsample not exceeding `downsample`, as OpenSlide."""
        best = 0
        for level, level_downsample in enumerate(self.level_downsamples):
            if level_downsample <= downsample + 1e-9:
                best = level
        return best

    def read_region(
        self,
        location: tuple[int, int],
        level: int,
        size: tuple[int, int],
        frame: int = 0,
        channels: Sequence[int] | None = None,
    ) -> np.ndarray:
        """Pixels of `level` at level-0 `location`, `size` = (width, height) in level pixels.

        Returns an array of shape (height, width, len(channels)) in `self.dtype`; parts outside
        the level are `fill_value`.
        """
        l_width, l_height = (int(v) for v in size)
        selected = self._check_region(level, l_width, l_height, frame, channels)
        downsample = self.level_downsamples[level]
        l_x = math.floor(location[0] / downsample)
        l_y = math.floor(location[1] / downsample)
        out = np.full((l_height, l_width, len(selected)), self.fill_value, dtype=self.dtype)
        level_width, level_height = self.level_dimensions[level]
        x0, y0 = max(l_x, 0), max(l_y, 0)
        x1, y1 = min(l_x + l_width, level_width), min(l_y + l_height, level_height)
        if x1 > x0 and y1 > y0:
            pixels = self._read(level, frame, (x0, y0), (x1 - x0, y1 - y0), selected)
            out[y0 - l_y : y1 - l_y, x0 - l_x : x1 - l_x] = pixels
        return out

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold a file to release
        """Release the file."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path.name} {self.dimensions}>"

    @abstractmethod
    def _read(
        self,
        level: int,
        frame: int,
        l_location: tuple[int, int],
        l_size: tuple[int, int],
        channels: tuple[int, ...],
    ) -> np.ndarray:
        """Pixels (h, w, len(channels)) of a window that lies inside the level."""

    def _associated_names(self) -> Sequence[str]:
        return ()

    def _read_associated(self, name: str) -> np.ndarray:
        raise KeyError(name)

    def _check_region(
        self,
        level: int,
        l_width: int,
        l_height: int,
        frame: int,
        channels: Sequence[int] | None,
    ) -> tuple[int, ...]:
        if not 0 <= level < self.level_count:
            raise SlideError(f"level {level} is out of range 0..{self.level_count - 1}")
        if not 0 <= frame < self.frames:
            raise SlideError(f"frame {frame} is out of range 0..{self.frames - 1}")
        if l_width <= 0 or l_height <= 0:
            raise SlideError(f"region size {l_width}x{l_height} must be positive")
        if l_width * l_height > MAX_REGION_PIXELS:
            raise TooLarge(f"region {l_width}x{l_height} exceeds {MAX_REGION_PIXELS} pixels")
        selected = tuple(range(len(self.channels))) if channels is None else tuple(channels)
        for channel in selected:
            if not 0 <= channel < len(self.channels):
                raise SlideError(f"channel {channel} is out of range 0..{len(self.channels) - 1}")
        return selected
