"""The ``ingest`` job: convert if needed, read the metadata, mark the image ready (or failed).

States on the Image row: ``queued`` (set by the upload) → ``converting`` with a percentage →
``ready``, or ``failed`` with a message. PNG/JPEG/BMP and large single-level images become a
pyramidal tiled BigTIFF in the image's derived folder (``metadata["served"]``); the original
stays as uploaded, for download.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from lamella.images import storage
from lamella.images.models import FrameDescription, Image
from lamella.jobs.models import Job
from lamella.jobs.services import report_progress
from lamella.slides import (
    FileKind,
    SlideError,
    SlideReader,
    channel_stats,
    convert_to_pyramid,
    default_displays,
    detect_format,
    needs_conversion,
    open_slide,
)

logger = logging.getLogger(__name__)

_PLAIN = (FileKind.JPEG, FileKind.PNG, FileKind.BMP)


def run(job: Job) -> dict[str, Any]:
    """Job runner for kind ``ingest``; ``params = {"image_id": ...}``."""
    return ingest_image(int(job.params["image_id"]), job_id=job.pk)


def ingest_image(image_id: int, *, job_id: int | None = None) -> dict[str, Any]:
    """Ingest one image; raises (after marking the image failed) when it cannot be served."""
    image = Image.objects.select_related("image_set").get(pk=image_id)
    progress = _Progress(image.pk, job_id)
    progress(0)
    try:
        return _ingest(image, progress)
    except SlideError as exc:
        _fail(image.pk, str(exc))
        raise
    except Exception as exc:
        _fail(image.pk, f"ingest failed unexpectedly: {type(exc).__name__}: {exc}")
        raise


class _Progress:
    """Writes the percentage to the Image (and Job) only when the integer value changes."""

    def __init__(self, image_id: int, job_id: int | None) -> None:
        self.image_id = image_id
        self.job_id = job_id
        self.last = -1

    def __call__(self, percent: int, message: str | None = None) -> None:
        percent = max(0, min(99, int(percent)))  # 100 is written with the ready state
        if percent == self.last and message is None:
            return
        self.last = percent
        Image.objects.filter(pk=self.image_id).update(
            ingest_state=Image.IngestState.CONVERTING, ingest_progress=percent
        )
        if self.job_id is not None:
            report_progress(self.job_id, percent, message)


def _ingest(image: Image, progress: _Progress) -> dict[str, Any]:
    source = storage.original_path(image)
    max_pixels = settings.MAX_IMAGE_PIXELS
    detected = detect_format(source)
    convert = detected.kind in _PLAIN
    if not convert:
        with open_slide(source, max_pixels=max_pixels) as reader:
            convert = needs_conversion(reader)
    served: str | None = None
    if convert:
        served = _convert(image, source, progress, max_pixels)
    path = storage.derived_dir(image) / served if served else source
    with open_slide(path, max_pixels=max_pixels) as reader:
        metadata = _metadata(reader, str(detected.kind), served)
        fields = _fields(reader, detected.kind)
    with transaction.atomic():
        current = Image.objects.select_for_update().get(pk=image.pk)
        current.metadata = {**current.metadata, **metadata}
        for name, value in fields.items():
            setattr(current, name, value)
        current.ingest_state = Image.IngestState.READY
        current.ingest_progress = 100
        current.ingest_error = ""
        current.save()
        _write_frames(current, fields["frames"], detected.kind)
    return {"image_id": image.pk, "converted": bool(served), **fields}


def _convert(image: Image, source: Path, progress: _Progress, max_pixels: int) -> str | None:
    """Convert to the derived pyramid; returns its name, or None to serve the original."""
    folder = storage.derived_dir(image)
    folder.mkdir(parents=True, exist_ok=True)
    progress(0, f"converting {image.name} to a tiled pyramid")
    try:
        convert_to_pyramid(
            source, folder / storage.PYRAMID_NAME, progress=progress, max_pixels=max_pixels
        )
    except SlideError as exc:
        if detect_format(source).kind in _PLAIN:
            raise
        # A slide format libvips cannot load (a multi-channel OME series, say) is still
        # readable as it is: serve the original rather than fail.
        logger.info("image %s: not converted (%s); serving the original", image.pk, exc)
        return None
    return storage.PYRAMID_NAME


def _fields(reader: SlideReader, kind: FileKind) -> dict[str, Any]:
    width, height = reader.dimensions
    return {
        "width": width,
        "height": height,
        "mpp": float(reader.mpp or 0.0),
        "objectivePower": float(reader.objective_power or 1.0),
        "frames": reader.frames,
        "channels": len(reader.channels),
        # A volume is best opened in its middle slice; other stacks at their first frame.
        "defaultFrame": reader.frames // 2 if kind is FileKind.NIFTI else 0,
    }


def _metadata(reader: SlideReader, kind: str, served: str | None) -> dict[str, Any]:
    is_rgb8 = reader.is_rgb and reader.dtype.name == "uint8"
    stats = None if is_rgb8 else channel_stats(reader, frame=reader.frames // 2)
    displays = default_displays(reader, stats)
    channels = []
    for index, channel in enumerate(reader.channels):
        entry: dict[str, Any] = {
            "name": channel.name,
            "color": "#{:02x}{:02x}{:02x}".format(*displays[index].color),
            "window": [float(v) for v in displays[index].window],
        }
        if stats is not None:
            entry["min"], entry["max"] = stats[index].minimum, stats[index].maximum
            entry["histogram"] = list(stats[index].histogram)
        channels.append(entry)
    levels = [
        {"width": w, "height": h, "downsample": float(d)}
        for (w, h), d in zip(reader.level_dimensions, reader.level_downsamples, strict=True)
    ]
    return {
        "format": kind,
        "backend": reader.backend,
        "served": served,
        "dtype": reader.dtype.name,
        "is_rgb": reader.is_rgb,
        "levels": levels,
        "channels": channels,
        "associated": sorted(reader.associated_images),
        "vendor": str(reader.properties.get("openslide.vendor", "")),
    }


def _write_frames(image: Image, frames: int, kind: FileKind) -> None:
    FrameDescription.objects.filter(Image=image).delete()
    if frames <= 1:
        return
    frame_type = (
        FrameDescription.FrameType.ZSTACK
        if kind is FileKind.NIFTI
        else FrameDescription.FrameType.UNDEFINED
    )
    FrameDescription.objects.bulk_create(
        FrameDescription(Image=image, frame_id=i, frame_type=frame_type, description=str(i + 1))
        for i in range(frames)
    )


def _fail(image_id: int, message: str) -> None:
    logger.warning("ingest of image %s failed: %s", image_id, message)
    Image.objects.filter(pk=image_id).update(
        ingest_state=Image.IngestState.FAILED, ingest_error=message[:2000]
    )
