"""nibabel backend: NIfTI-1/2 volumes, shown as axial slices (one frame per slice and time point).

Volumes are reoriented to RAS+ first, as EXACT does, so that every file shows the same way:
columns run along +x (towards the patient's right), rows from
anterior (top) to posterior, frames from inferior to superior.
"""

from __future__ import annotations

import math
from pathlib import Path

import nibabel
import numpy as np
from nibabel.filebasedimages import ImageFileError

from lamella.slides.base import Channel, SlideReader
from lamella.slides.errors import CorruptFile, TooLarge

#: A volume is decoded whole on first read (gzip allows no random access); this caps its size.
MAX_VOLUME_VOXELS = 1024 * 1024 * 512


class NiftiReader(SlideReader):
    """A NIfTI volume: width x height = the x and y axes, frames = z slices (x time points)."""

    backend = "nibabel"

    def __init__(self, path: str | Path, *, max_voxels: int = MAX_VOLUME_VOXELS) -> None:
        self.path = Path(path)
        try:
            image = nibabel.load(self.path)
            self._image = nibabel.as_closest_canonical(image)
        except (ImageFileError, OSError, ValueError, EOFError) as exc:
            raise CorruptFile(f"{self.path.name}: nibabel cannot read it: {exc}") from exc
        shape = (*(int(v) for v in self._image.shape), 1, 1)
        width, height, depth = shape[:3]
        times = math.prod(shape[3:])
        if width * height * depth * times > max_voxels:
            raise TooLarge(f"{self.path.name}: {shape[:4]} voxels exceed {max_voxels}")
        header = self._image.header
        zooms = tuple(float(z) for z in header.get_zooms()[:2])
        self.level_dimensions = ((width, height),)
        self.level_downsamples = (1.0,)
        self.mpp = sum(zooms) / 2 * 1000.0 if zooms and all(zooms) else None  # mm -> µm
        self.objective_power = None
        self.frames = depth * times
        self._depth = depth
        self.dtype = np.dtype(self._image.get_data_dtype())
        self.is_rgb = False
        self.channels = (Channel("Intensity", (255, 255, 255)),)
        self.properties = {
            "nifti.shape": "x".join(str(v) for v in self._image.shape),
            "nifti.zooms": ",".join(str(float(z)) for z in header.get_zooms()),
            "nifti.axcodes": "".join(nibabel.aff2axcodes(self._image.affine)),
        }
        self._volume: np.ndarray | None = None

    def _load(self) -> np.ndarray:
        if self._volume is None:
            try:
                volume = np.asanyarray(self._image.dataobj)
            except (OSError, ValueError, EOFError) as exc:
                raise CorruptFile(f"{self.path.name}: the voxel data do not decode: {exc}") from exc
            self._volume = volume.reshape((*volume.shape[:3], -1)).astype(self.dtype, copy=False)
        return self._volume

    def slice_array(self, frame: int) -> np.ndarray:
        """The whole axial slice `frame` as (rows, columns): anterior at the top."""
        volume = self._load()
        z, t = frame % self._depth, frame // self._depth
        # Array axes are (x, y); the image wants rows = y from anterior (high y) down.
        return volume[:, :, z, t].T[::-1]

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
        return self.slice_array(frame)[y : y + height, x : x + width, None]

    def close(self) -> None:
        """Drop the decoded volume."""
        self._volume = None
