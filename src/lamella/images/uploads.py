"""Resumable uploads: the tus 1.0 protocol (core, creation, termination) at ``/api/v1/uploads/``.

A client creates an upload (``POST`` with ``Upload-Length`` and ``Upload-Metadata``: filename,
image_set, image_type), sends the bytes in ``PATCH`` requests each starting at the current
``Upload-Offset``, and after a dropped connection asks ``HEAD`` for the offset and goes on from
there. When the last byte arrives the file goes through ``services.upload`` like any upload.

State lives in files, not the database: ``DATA_DIR/uploads/<id>/info.json`` and ``data``,
whose size *is* the offset, so whatever reached the disk before a connection dropped counts.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from lamella.images import services, storage
from lamella.images.models import ImageSet

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination"
#: The largest file one upload may announce (override with settings.MAX_UPLOAD_BYTES).
DEFAULT_MAX_UPLOAD_BYTES = 1 << 40
_CHUNK = 1 << 20


class UploadConflict(services.UploadError):
    """The offset does not match, or another request is writing this upload (409)."""

    status = 409


@dataclass
class PendingUpload:
    """An upload in progress (or finished: then ``images`` holds the new image ids)."""

    id: str
    user_id: int
    image_set_id: int
    image_type: int
    filename: str
    length: int
    images: list[int] | None = None
    duplicates: list[int] | None = None

    @property
    def folder(self) -> Path:
        return storage.uploads_root() / self.id

    @property
    def data_path(self) -> Path:
        return self.folder / "data"

    @property
    def offset(self) -> int:
        """Bytes received so far."""
        try:
            return self.data_path.stat().st_size
        except FileNotFoundError:
            return self.length if self.images is not None else 0

    def save(self) -> None:
        partial = self.folder / ".info.json.partial"
        partial.write_text(json.dumps(asdict(self)))
        partial.replace(self.folder / "info.json")


def max_upload_bytes() -> int:
    """The cap on ``Upload-Length``."""
    return int(getattr(settings, "MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


def create_upload(
    *, user: Any, image_set: ImageSet, filename: str, length: int, image_type: int = 0
) -> PendingUpload:
    """Start an upload after the same access checks as a direct upload."""
    services.check_upload_access(user, image_set)
    if length <= 0:
        raise services.BadUpload("Upload-Length must be a positive number of bytes.")
    if length > max_upload_bytes():
        raise services.UploadTooLarge(f"Upload-Length {length} exceeds {max_upload_bytes()} bytes.")
    pending = PendingUpload(
        uuid.uuid4().hex, user.pk, image_set.pk, image_type, storage.clean_name(filename), length
    )
    pending.folder.mkdir(parents=True)
    pending.data_path.touch()
    pending.save()
    return pending


def get_upload(upload_id: str, user: Any) -> PendingUpload:
    """The caller's upload ``upload_id``; ``UploadNotFound`` for anyone else's or none."""
    missing = services.UploadNotFound(f"Upload {upload_id} not found.")
    if not upload_id.isalnum():
        raise missing
    info = storage.uploads_root() / upload_id / "info.json"
    try:
        pending = PendingUpload(**json.loads(info.read_text()))
    except (FileNotFoundError, ValueError, TypeError) as exc:
        raise missing from exc
    if pending.user_id != getattr(user, "pk", None):
        raise missing
    return pending


@contextlib.contextmanager
def _exclusive(pending: PendingUpload) -> Iterator[None]:
    with (pending.folder / "lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise UploadConflict("Another request is writing to this upload.") from exc
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def append(pending: PendingUpload, *, offset: int, body: IO[bytes], length: int | None) -> int:
    """Append the request body at ``offset``; returns the new offset.

    Bytes are written as they arrive, so a connection dropped midway keeps what came.
    """
    if pending.images is not None:
        raise UploadConflict("This upload is already complete.")
    with _exclusive(pending):
        current = pending.offset
        if offset != current:
            raise UploadConflict(f"Upload-Offset is {offset}, but the upload is at {current}.")
        remaining = pending.length - current
        if length is not None and length > remaining:
            raise services.BadUpload(f"The chunk overruns Upload-Length by {length - remaining}.")
        budget = remaining if length is None else length
        fd = os.open(pending.data_path, os.O_WRONLY | os.O_APPEND)
        try:
            while budget > 0:
                try:
                    chunk = body.read(min(_CHUNK, budget))
                except OSError:
                    break  # the client went away; what was written stays
                if not chunk:
                    break
                os.write(fd, chunk)
                budget -= len(chunk)
        finally:
            os.close(fd)
        return pending.offset


def finish(pending: PendingUpload, user: Any) -> services.UploadOutcome:
    """Turn a complete upload into images (``services.upload``); the data file is removed
    whatever the outcome, and a refused file removes the whole upload."""
    image_set = ImageSet.objects.filter(pk=pending.image_set_id).first()
    if image_set is None:
        delete(pending)
        raise services.UploadNotFound(f"Image set {pending.image_set_id} not found.")
    try:
        outcome = services.upload(
            user=user,
            image_set=image_set,
            files=[(pending.filename, pending.data_path)],
            image_type=pending.image_type,
        )
    except services.UploadError:
        delete(pending)
        raise
    pending.images = [image.pk for image in outcome.created]
    pending.duplicates = [image.pk for image in outcome.duplicates]
    pending.save()
    pending.data_path.unlink(missing_ok=True)
    return outcome


def delete(pending: PendingUpload) -> None:
    """Forget an upload and its bytes (tus termination)."""
    storage.remove_tree(pending.folder)


def remove_stale(*, older_than_seconds: float = 7 * 24 * 3600) -> int:
    """Delete uploads untouched for ``older_than_seconds`` (a week by default); returns how
    many. Meant for a periodic chore: abandoned uploads otherwise keep their bytes."""
    root = storage.uploads_root()
    if not root.is_dir():
        return 0
    limit = time.time() - older_than_seconds
    removed = 0
    for folder in (f for f in root.iterdir() if f.is_dir()):
        newest = max((p.stat().st_mtime for p in folder.iterdir()), default=0.0)
        if newest < limit:
            storage.remove_tree(folder)
            removed += 1
    return removed
