"""Conversion of non-pyramidal input (PNG, JPEG, BMP, plain TIFF) to a pyramidal tiled BigTIFF.

Levels are successive pages (not SubIFDs: OpenSlide ignores SubIFD pyramids), 256 px tiles.

- 8-bit grey or RGB (alpha flattened onto white): JPEG Q90, the size of a scanner slide and
  served as passthrough tiles.
- Anything else (16-bit, float, signed, more than 3 channels): Deflate with a predictor, so the
  data stay bit-exact; JPEG would clip them to 8 bits. pyvips writes these too, streaming, so
  memory stays bounded (a tifffile writer would need the whole image in memory). Such pyramids
  are read by the tifffile backend and rendered through channel windows.

pyvips reports progress through its "eval" signal on the image being saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyvips

from lamella.slides.base import SlideReader
from lamella.slides.errors import CorruptFile, TooLarge, UnsupportedFormat
from lamella.slides.opener import DEFAULT_MAX_PIXELS

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int], None]

#: A single-level image with a side above this is converted rather than read whole.
CONVERT_ABOVE_SIDE = 4096


@dataclass(frozen=True)
class ConversionResult:
    """What `convert_to_pyramid` wrote."""

    path: Path
    width: int
    height: int
    bands: int
    pixel_format: str
    """pyvips' name of the sample type: uchar, ushort, float..."""
    compression: str
    """"jpeg" (8-bit grey/RGB) or "deflate" (everything else, lossless)."""


def needs_conversion(reader: SlideReader) -> bool:
    """True for a large single-level, single-frame image that is better served as a pyramid."""
    return (
        reader.level_count == 1
        and reader.frames == 1
        and max(reader.dimensions) > CONVERT_ABOVE_SIDE
    )


def convert_to_pyramid(
    source: str | Path,
    target: str | Path,
    *,
    tile_size: int = 256,
    quality: int = 90,
    progress: ProgressCallback | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> ConversionResult:
    """Write `source`'s first image as a pyramidal tiled BigTIFF at `target`.

    The file is written under a temporary name beside `target` and moved into place only when
    complete, so a failed conversion leaves nothing behind. `progress` receives percentages.
    """
    source, target = Path(source), Path(target)
    try:
        image = pyvips.Image.new_from_file(str(source), access="sequential")
    except pyvips.Error as exc:
        raise UnsupportedFormat(
            f"{source.name}: libvips cannot load it: {_first_line(exc)}"
        ) from exc
    if image.width * image.height > max_pixels:
        raise TooLarge(f"{source.name}: {image.width}x{image.height} pixels exceed {max_pixels}")
    image, compression = _prepare(image)
    options: dict[str, object] = {
        "tile": True,
        "tile_width": tile_size,
        "tile_height": tile_size,
        "pyramid": True,
        "bigtiff": True,
        "subifd": False,
        "compression": compression,
    }
    if compression == "jpeg":
        options["Q"] = quality
    else:
        options["predictor"] = "float" if image.format in ("float", "double") else "horizontal"
    if progress is not None:
        image.set_progress(True)
        image.signal_connect("eval", lambda _image, state: progress(int(state.percent)))
    partial = target.with_name(f".{target.name}.partial")
    try:
        image.tiffsave(str(partial), **options)
        partial.replace(target)
    except pyvips.Error as exc:
        partial.unlink(missing_ok=True)
        raise CorruptFile(f"{source.name}: conversion failed: {_first_line(exc)}") from exc
    if progress is not None:
        progress(100)
    return ConversionResult(
        target, image.width, image.height, image.bands, image.format, compression
    )


def _prepare(image: pyvips.Image) -> tuple[pyvips.Image, str]:
    """The image to save and its compression: JPEG for 8-bit grey/RGB, else lossless."""
    image = image.copy()
    # libvips copies the source's ImageDescription into every level; it would describe the
    # source (tifffile's shape JSON, a vendor's text), not the pyramid, and mislead readers.
    if image.get_typeof("image-description"):
        image.remove("image-description")
    if image.interpretation == "cmyk":
        image = image.colourspace("srgb")
    if image.format == "uchar" and image.hasalpha() and image.bands in (2, 4):
        image = image.flatten(background=[255])
    if image.format == "uchar" and image.bands in (1, 3):
        return image, "jpeg"
    return image, "deflate"


def _first_line(exc: pyvips.Error) -> str:
    return str(getattr(exc, "detail", "") or exc).strip().splitlines()[0] if str(exc) else "error"
