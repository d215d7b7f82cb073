"""An image set's download zip, with EXACT's protocol: 200 and the zip when it is ready, 202
while a background job builds it, 204 for a set without images.

The zip holds the originals of the set's images and sits in the set's derived folder with a
manifest of what went in; when the set's images change, the manifest no longer matches and the
next request builds it again. ``ImageSet.zip_state`` says ready, processing or invalid.
"""

from __future__ import annotations

import json
import logging
import zipfile
from enum import Enum
from pathlib import Path
from typing import Any

from django.db import transaction

from lamella.images import storage
from lamella.images.models import Image, ImageSet
from lamella.interop._files import atomic_path

logger = logging.getLogger(__name__)
JOB_KIND = "imageset_zip"


class ZipStatus(Enum):
    EMPTY = "empty"
    READY = "ready"
    BUILDING = "building"


def zip_path(image_set: ImageSet) -> Path:
    """Where the set's download zip lives."""
    return storage.set_dir(image_set) / storage.DERIVED / "download.zip"


def _manifest(image_set: ImageSet) -> list[list[Any]]:
    rows = Image.objects.filter(image_set=image_set).order_by("id")
    return [
        [pk, name, filename] for pk, name, filename in rows.values_list("id", "name", "filename")
    ]


def _manifest_path(image_set: ImageSet) -> Path:
    return zip_path(image_set).with_suffix(".json")


def _is_current(image_set: ImageSet) -> bool:
    path, manifest = zip_path(image_set), _manifest_path(image_set)
    if not path.exists() or not manifest.exists():
        return False
    return bool(json.loads(manifest.read_text()) == _manifest(image_set))


def request_zip(image_set: ImageSet, *, user: Any = None) -> ZipStatus:
    """The zip's status, starting a build job when there is no current zip and none running."""
    from lamella.jobs.services import start_job

    if not Image.objects.filter(image_set=image_set).exists():
        return ZipStatus.EMPTY
    if image_set.zip_state == ImageSet.ZipState.READY and _is_current(image_set):
        return ZipStatus.READY
    with transaction.atomic():
        # only the request that flips the state starts a job
        claimed = (
            ImageSet.objects.filter(pk=image_set.pk)
            .exclude(zip_state=ImageSet.ZipState.PROCESSING)
            .update(zip_state=ImageSet.ZipState.PROCESSING)
        )
        if claimed:
            actor = user if getattr(user, "is_authenticated", False) else None
            start_job(kind=JOB_KIND, user=actor, params={"image_set_id": image_set.pk})
    return ZipStatus.BUILDING


def build_zip(image_set_id: int) -> dict[str, Any]:
    """Write the zip of the set's originals (under a temporary name, then renamed)."""
    image_set = ImageSet.objects.get(pk=image_set_id)
    target = zip_path(image_set)
    target.parent.mkdir(parents=True, exist_ok=True)
    written, missing = 0, []
    try:
        with atomic_path(target) as temporary:
            with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
                for image in Image.objects.filter(image_set=image_set).order_by("id"):
                    original = storage.original_path(image)
                    if not original.is_file():
                        missing.append(image.name)
                        continue
                    # slides are compressed already: storing them is as small and much faster
                    archive.write(original, arcname=image.filename)
                    written += 1
            _manifest_path(image_set).write_text(json.dumps(_manifest(image_set)))
    except BaseException:
        ImageSet.objects.filter(pk=image_set_id).update(zip_state=ImageSet.ZipState.INVALID)
        raise
    if missing:
        logger.warning("zip of set %s: %d originals missing", image_set_id, len(missing))
    ImageSet.objects.filter(pk=image_set_id).update(zip_state=ImageSet.ZipState.READY)
    return {"images": written, "missing": missing[:20], "bytes": target.stat().st_size}
