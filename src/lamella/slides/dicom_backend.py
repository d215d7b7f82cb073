"""wsidicom backend: DICOM whole-slide images (VL Whole Slide Microscopy) OpenSlide refuses.

A DICOM WSI is a series of files (one per level, plus label/overview); the files of the
opened file's series are found beside it by their SeriesInstanceUID. Focal planes are frames.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pydicom
import wsidicom
from pydicom.errors import InvalidDicomError
from wsidicom.errors import WsiDicomError, WsiDicomNotFoundError, WsiDicomNotSupportedError

from lamella.slides.base import RGB_CHANNELS, Channel, SlideReader
from lamella.slides.errors import CorruptFile, UnsupportedFormat

_OPEN_ERRORS = (
    WsiDicomError,
    WsiDicomNotFoundError,
    WsiDicomNotSupportedError,
    InvalidDicomError,
    ValueError,
    KeyError,
    AttributeError,
    OSError,
)


def series_files(path: Path) -> list[Path]:
    """`path` and the DICOM files beside it that belong to the same series."""
    try:
        uid = pydicom.dcmread(path, stop_before_pixels=True).get("SeriesInstanceUID")
    except (InvalidDicomError, OSError, ValueError, EOFError) as exc:
        raise CorruptFile(f"{path.name}: not a readable DICOM file: {exc}") from exc
    files = [path]
    for sibling in sorted(path.parent.iterdir()):
        if sibling == path or not sibling.is_file():
            continue
        try:
            other = pydicom.dcmread(
                sibling, stop_before_pixels=True, specific_tags=["SeriesInstanceUID"]
            )
        except (InvalidDicomError, OSError, ValueError, EOFError):
            continue  # not DICOM: other files may share the folder
        if uid and other.get("SeriesInstanceUID") == uid:
            files.append(sibling)
    return files


class DicomReader(SlideReader):
    """A DICOM WSI pyramid read through wsidicom."""

    backend = "wsidicom"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        files = series_files(self.path)
        try:
            self._slide: Any = wsidicom.WsiDicom.open(files)
            levels = sorted(self._slide.levels, key=lambda level: level.level)
        except _OPEN_ERRORS as exc:
            raise UnsupportedFormat(f"{self.path.name}: not a DICOM slide image: {exc}") from exc
        self._levels = levels
        self.level_dimensions = tuple((int(lv.size.width), int(lv.size.height)) for lv in levels)
        w0, h0 = self.level_dimensions[0]
        self.level_downsamples = tuple((w0 / w + h0 / h) / 2 for w, h in self.level_dimensions)
        base = levels[0]
        mpp = base.mpp
        self.mpp = (float(mpp.width) + float(mpp.height)) / 2 if mpp else None
        self.objective_power = None
        self._focal_planes = list(base.focal_planes)
        self.frames = max(1, len(self._focal_planes))
        dataset = pydicom.dcmread(self.path, stop_before_pixels=True)
        photometric = str(dataset.get("PhotometricInterpretation", "RGB"))
        self.is_rgb = not photometric.startswith("MONOCHROME")
        self.channels = RGB_CHANNELS if self.is_rgb else (Channel("Grey", (255, 255, 255)),)
        bits = int(dataset.get("BitsAllocated", 8))
        self.dtype = np.dtype(np.uint16 if bits > 8 and not self.is_rgb else np.uint8)
        self.properties = {
            "dicom.Modality": str(dataset.get("Modality", "")),
            "dicom.Manufacturer": str(dataset.get("Manufacturer", "")),
            "dicom.SeriesInstanceUID": str(dataset.get("SeriesInstanceUID", "")),
            "dicom.PhotometricInterpretation": photometric,
            "dicom.TransferSyntaxUID": str(dataset.file_meta.get("TransferSyntaxUID", "")),
        }

    def _read(
        self,
        level: int,
        frame: int,
        l_location: tuple[int, int],
        l_size: tuple[int, int],
        channels: tuple[int, ...],
    ) -> np.ndarray:
        z = self._focal_planes[frame] if self._focal_planes else None
        try:
            pixels = self._slide.read_region(
                l_location, self._levels[level].level, l_size, z=z, as_array=True
            )
        except _OPEN_ERRORS as exc:
            raise CorruptFile(f"{self.path.name}: region does not decode: {exc}") from exc
        pixels = np.asarray(pixels)
        if pixels.ndim == 2:
            pixels = pixels[..., None]
        return pixels[..., list(channels)].astype(self.dtype, copy=False)

    def _associated_names(self) -> Sequence[str]:
        names = []
        if self._slide.labels:
            names.append("label")
        if self._slide.overviews:
            names.append("macro")
        return names

    def _read_associated(self, name: str) -> np.ndarray:
        image = self._slide.read_label() if name == "label" else self._slide.read_overview()
        return np.asarray(image.convert("RGB"))

    def close(self) -> None:
        """Close the series' files."""
        self._slide.close()
