"""OpenSlide backend: Aperio SVS (incl. JPEG 2000), Hamamatsu NDPI/VMS, MIRAX, Leica SCN,
Ventana BIF, Philips TIFF, generic tiled TIFF and the DICOM WSI OpenSlide can open."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import openslide
from PIL import Image

from lamella.slides.base import RGB_CHANNELS, SlideReader
from lamella.slides.errors import CorruptFile, UnsupportedFormat


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


def _flatten(rgba: np.ndarray, background: np.ndarray) -> np.ndarray:
    """RGBA (not premultiplied, as openslide-python returns it) over an opaque background."""
    rgb = rgba[..., :3]
    alpha = rgba[..., 3:4]
    if bool((alpha == 255).all()):
        return rgb
    mixed = rgb.astype(np.float32) * (alpha / 255.0) + background * (1.0 - alpha / 255.0)
    return np.rint(mixed).astype(np.uint8)


class OpenSlideReader(SlideReader):
    """A slide read through OpenSlide; always 8-bit RGB, one frame."""

    backend = "openslide"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._slide = openslide.OpenSlide(str(self.path))
        except openslide.OpenSlideUnsupportedFormatError as exc:
            raise UnsupportedFormat(f"{self.path.name}: OpenSlide does not read this file") from exc
        except openslide.OpenSlideError as exc:
            raise CorruptFile(f"{self.path.name}: OpenSlide cannot open it: {exc}") from exc
        props = dict(self._slide.properties)
        self.properties = props
        self.level_dimensions = tuple(self._slide.level_dimensions)
        self.level_downsamples = tuple(float(d) for d in self._slide.level_downsamples)
        mpp_x = _float(props.get(openslide.PROPERTY_NAME_MPP_X))
        mpp_y = _float(props.get(openslide.PROPERTY_NAME_MPP_Y))
        self.mpp = (mpp_x + mpp_y) / 2 if mpp_x and mpp_y else (mpp_x or mpp_y)
        self.objective_power = _float(props.get(openslide.PROPERTY_NAME_OBJECTIVE_POWER))
        self.frames = 1
        self.channels = RGB_CHANNELS
        self.dtype = np.dtype(np.uint8)
        self.is_rgb = True
        color = props.get(openslide.PROPERTY_NAME_BACKGROUND_COLOR, "FFFFFF")
        try:
            self._background = np.array([int(color[i : i + 2], 16) for i in (0, 2, 4)], np.float32)
        except ValueError:
            self._background = np.full(3, 255, np.float32)

    @property
    def vendor(self) -> str:
        """OpenSlide's name for the format ("aperio", "hamamatsu", "generic-tiff", ...)."""
        return self.properties.get(openslide.PROPERTY_NAME_VENDOR, "")

    def read_region(
        self,
        location: tuple[int, int],
        level: int,
        size: tuple[int, int],
        frame: int = 0,
        channels: Sequence[int] | None = None,
    ) -> np.ndarray:
        """As `SlideReader.read_region`; the level-0 location goes to OpenSlide unchanged, so
        pixels equal OpenSlide's own at every level (OpenSlide paints outside areas itself)."""
        l_size = (int(size[0]), int(size[1]))
        selected = self._check_region(level, l_size[0], l_size[1], frame, channels)
        l0_location = (int(location[0]), int(location[1]))
        try:
            region = self._slide.read_region(l0_location, level, l_size)
        except openslide.OpenSlideError as exc:
            raise CorruptFile(
                f"{self.path.name}: OpenSlide failed to read a region: {exc}"
            ) from exc
        rgb = _flatten(np.asarray(region), self._background)
        return rgb if selected == (0, 1, 2) else rgb[..., list(selected)]

    def _read(
        self,
        level: int,
        frame: int,
        l_location: tuple[int, int],
        l_size: tuple[int, int],
        channels: tuple[int, ...],
    ) -> np.ndarray:
        downsample = self.level_downsamples[level]
        l0_location = (round(l_location[0] * downsample), round(l_location[1] * downsample))
        return self.read_region(l0_location, level, l_size, frame, channels)

    def _associated_names(self) -> Sequence[str]:
        return tuple(self._slide.associated_images)

    def _read_associated(self, name: str) -> np.ndarray:
        image: Image.Image = self._slide.associated_images[name]
        return _flatten(np.asarray(image.convert("RGBA")), self._background)

    def close(self) -> None:
        """Release OpenSlide's handle."""
        self._slide.close()
