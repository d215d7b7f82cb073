"""Pillow backend: plain PNG, JPEG and BMP small enough to decode whole (else converted)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from lamella.slides.base import RGB_CHANNELS, Channel, SlideReader
from lamella.slides.errors import CorruptFile, TooLarge, UnsupportedFormat

#: Above this many pixels a plain image is converted to a pyramid instead of decoded whole.
MAX_WHOLE_IMAGE_PIXELS = 16384 * 16384

_GREY = {"L": np.uint8, "I;16": np.uint16, "I;16B": np.uint16, "I;16L": np.uint16, "I": np.int32}


class PillowReader(SlideReader):
    """A single-level image held in memory once read; one frame."""

    backend = "pillow"

    def __init__(self, path: str | Path, *, max_pixels: int = MAX_WHOLE_IMAGE_PIXELS) -> None:
        self.path = Path(path)
        try:
            with warnings.catch_warnings():
                # Pillow's own bomb check warns then raises; our cap below is the one that applies.
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                self._image = Image.open(self.path)
        except UnidentifiedImageError as exc:
            raise UnsupportedFormat(f"{self.path.name}: Pillow does not read this file") from exc
        except Image.DecompressionBombError as exc:
            raise TooLarge(f"{self.path.name}: {exc}") from exc
        except OSError as exc:
            raise CorruptFile(f"{self.path.name}: {exc}") from exc
        width, height = self._image.size
        if width * height > max_pixels:
            self._image.close()
            raise TooLarge(
                f"{self.path.name}: {width}x{height} is above {max_pixels} pixels "
                "for a plain image; convert it to a pyramid"
            )
        self.level_dimensions = ((width, height),)
        self.level_downsamples = (1.0,)
        self.properties = {
            "pillow.format": str(self._image.format),
            "pillow.mode": self._image.mode,
        }
        dpi = self._image.info.get("dpi")
        # Screen images carry 72 or 96 dpi by default; such a value says nothing about a specimen.
        self.mpp = 25400.0 / float(dpi[0]) if dpi and float(dpi[0]) > 1000 else None
        self.objective_power = None
        self.frames = 1
        mode = self._image.mode
        if mode in _GREY:
            self.is_rgb = False
            self.channels = (Channel("Grey", (255, 255, 255)),)
            self.dtype = np.dtype(_GREY[mode])
        else:
            self.is_rgb = True
            self.channels = RGB_CHANNELS
            self.dtype = np.dtype(np.uint8)
        self._pixels: np.ndarray | None = None

    def _load(self) -> np.ndarray:
        if self._pixels is None:
            try:
                image: Image.Image = self._image
                if self.is_rgb:
                    if "A" in image.mode or image.mode == "P":
                        # Transparent areas show as white, as OpenSlide's background.
                        rgba = image.convert("RGBA")
                        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                        image = Image.alpha_composite(white, rgba)
                    pixels = np.asarray(image.convert("RGB"))
                else:
                    pixels = np.asarray(image, dtype=self.dtype)[..., None]
            except OSError as exc:
                raise CorruptFile(f"{self.path.name}: the image data do not decode: {exc}") from exc
            self._pixels = pixels
        return self._pixels

    def _read(
        self,
        level: int,
        frame: int,
        l_location: tuple[int, int],
        l_size: tuple[int, int],
        channels: tuple[int, ...],
    ) -> np.ndarray:
        x, y = l_location
        width, height = l_size
        return self._load()[y : y + height, x : x + width][..., list(channels)]

    def close(self) -> None:
        """Close the file and drop the decoded pixels."""
        self._image.close()
        self._pixels = None
