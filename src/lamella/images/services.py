"""Writes on images: upload (checked at once, converted later by the ingest job).

``upload_images`` is all or nothing. Every file is copied into a staging folder of the set
(hashing it on the way), unpacked if it is a zip, and opened far enough to know it is an image
of an allowed size. Only when every file passed are the files moved into the set's folder and
the Image rows created, each ``queued`` with an ``ingest`` job started; any failure removes
the staging folder and raises an ``UploadError`` carrying the HTTP status and a message.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol

from django.conf import settings
from django.db import transaction

from lamella.accounts.policy import Action, can
from lamella.images import archives, storage
from lamella.images.models import Image, ImageSet
from lamella.images.probe import Probe, probe
from lamella.jobs.services import start_job

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20

#: What ``upload_images`` accepts per file: its name and a path or a binary file object
#: (Django's UploadedFile included).
UploadSource = tuple[str, "IO[bytes] | Path | str"]


class UploadError(Exception):
    """An upload refused as a whole; ``status`` is the HTTP status to answer with."""

    status = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadUpload(UploadError):
    """Unknown, damaged or unsafe content (400)."""


class UploadForbidden(UploadError):
    """The user may see the set but not add images to it, or the set is locked (403)."""

    status = 403


class UploadNotFound(UploadError):
    """The user may not see the set (404, so its existence is not disclosed)."""

    status = 404


class UploadTooLarge(UploadError):
    """The image has more pixels than ``settings.MAX_IMAGE_PIXELS`` (413)."""

    status = 413


@dataclass
class UploadOutcome:
    """The images an upload created and the existing ones it skipped as duplicates."""

    created: list[Image] = field(default_factory=list)
    duplicates: list[Image] = field(default_factory=list)


@dataclass
class _Candidate:
    name: str
    path: Path  # the image file inside the staging folder
    root: Path  # what moves into the set's folder: the file, or the zip's unpacked folder
    checksum: bytes
    size: int
    probe: Probe | None = None


def check_upload_access(user: Any, image_set: ImageSet) -> None:
    """Raise ``UploadNotFound``/``UploadForbidden`` unless ``user`` may add images to the set."""
    if not can(user, image_set, Action.READ):
        raise UploadNotFound(f"Image set {image_set.pk} not found.")
    if not can(user, image_set, Action.EDIT_SET):
        raise UploadForbidden("You may not add images to this image set.")
    if image_set.image_lock:
        raise UploadForbidden("This image set is locked: no images may be added.")


def upload_images(
    *,
    user: Any,
    image_set: ImageSet,
    files: Iterable[UploadSource],
    image_type: int = Image.ImageType.DEFAULT,
) -> list[Image]:
    """Add ``files`` to ``image_set`` and start their ingest; returns the new images only
    (a file with the same name and checksum as an image of the set is skipped silently)."""
    return upload(user=user, image_set=image_set, files=files, image_type=image_type).created


def upload(
    *,
    user: Any,
    image_set: ImageSet,
    files: Iterable[UploadSource],
    image_type: int = Image.ImageType.DEFAULT,
) -> UploadOutcome:
    """As ``upload_images``, also reporting the existing images the duplicates matched."""
    check_upload_access(user, image_set)
    if image_type not in Image.ImageType.values:
        raise BadUpload(f"image_type must be one of {Image.ImageType.values}, not {image_type}")
    storage.ensure_set_path(image_set)
    staging = storage.new_staging_dir(image_set)
    try:
        candidates = _stage_all(files, staging)
        if not candidates:
            raise BadUpload("No file was uploaded.")
        outcome, accepted = _split_duplicates(image_set, candidates)
        for candidate in accepted:
            candidate.probe = _probe(candidate)
        outcome.created = _commit(user, image_set, image_type, accepted)
        return outcome
    finally:
        storage.remove_tree(staging)
        storage.remove_empty_parents(staging.parent, stop=storage.images_root())


def _stage_all(files: Iterable[UploadSource], staging: Path) -> list[_Candidate]:
    candidates: list[_Candidate] = []
    for index, (name, source) in enumerate(files):
        clean = storage.clean_name(name)
        slot = staging / str(index)
        slot.mkdir()
        path = slot / clean
        checksum, size = _copy_hashed(source, path)
        if size == 0:
            raise BadUpload(f"{clean}: the file is empty")
        if not archives.is_zip(path):
            # The image keeps the name it was uploaded with; only its file name is cleaned.
            shown = PurePosixPath(name.replace("\\", "/")).name.strip()[:256] or clean
            candidates.append(_Candidate(shown, path, path, checksum, size))
            continue
        unpacked = slot / Path(clean).stem
        try:
            entries = archives.unpack(path, unpacked)
        except archives.UnsafeArchive as exc:
            raise BadUpload(f"{clean}: {exc}") from exc
        path.unlink()
        for entry in entries:
            digest, entry_size = _hash_file(entry.path)
            candidates.append(_Candidate(entry.name, entry.path, unpacked, digest, entry_size))
    return candidates


def _copy_hashed(source: IO[bytes] | Path | str, target: Path) -> tuple[bytes, int]:
    digest = hashlib.sha512()
    size = 0
    with target.open("wb") as sink:
        if isinstance(source, str | Path):
            with Path(source).open("rb") as fh:
                chunks: Iterable[bytes] = iter(lambda: fh.read(_CHUNK), b"")
                size = _write_chunks(chunks, sink, digest)
        elif hasattr(source, "chunks"):
            size = _write_chunks(source.chunks(_CHUNK), sink, digest)
        else:
            size = _write_chunks(iter(lambda: source.read(_CHUNK), b""), sink, digest)
    return digest.digest(), size


class _Sink(Protocol):
    def write(self, data: bytes, /) -> int: ...


def _write_chunks(chunks: Iterable[bytes], sink: _Sink, digest: Any) -> int:
    size = 0
    for chunk in chunks:
        digest.update(chunk)
        sink.write(chunk)
        size += len(chunk)
    return size


def _hash_file(path: Path) -> tuple[bytes, int]:
    digest = hashlib.sha512()
    with path.open("rb") as fh:
        size = _write_chunks(iter(lambda: fh.read(_CHUNK), b""), _NullSink(), digest)
    return digest.digest(), size


class _NullSink:
    def write(self, data: bytes) -> int:
        return len(data)


def _split_duplicates(
    image_set: ImageSet, candidates: list[_Candidate]
) -> tuple[UploadOutcome, list[_Candidate]]:
    """EXACT's rule: same name and checksum as an image of the set (or an earlier file of
    this upload) means the same image, skipped without an error."""
    outcome = UploadOutcome()
    existing = {
        (image.name, bytes(image.checksum)): image
        for image in Image.objects.filter(
            image_set=image_set, name__in=[c.name for c in candidates]
        )
    }
    accepted: list[_Candidate] = []
    seen: set[tuple[str, bytes]] = set()
    for candidate in candidates:
        key = (candidate.name, candidate.checksum)
        if key in existing:
            outcome.duplicates.append(existing[key])
        elif key not in seen:
            seen.add(key)
            accepted.append(candidate)
    return outcome, accepted


def _probe(candidate: _Candidate) -> Probe:
    try:
        found = probe(candidate.path, max_pixels=settings.MAX_IMAGE_PIXELS)
    except ValueError as exc:
        raise BadUpload(str(exc)) from exc
    if found.too_large:
        raise UploadTooLarge(found.message)
    if not found.ok:
        raise BadUpload(found.message)
    return found


def _commit(
    user: Any, image_set: ImageSet, image_type: int, accepted: list[_Candidate]
) -> list[Image]:
    folder = storage.set_dir(image_set)
    folder.mkdir(parents=True, exist_ok=True)
    moved: dict[Path, Path] = {}
    created: list[Image] = []
    try:
        with transaction.atomic():
            for candidate in accepted:
                if candidate.root not in moved:
                    target = folder / storage.unique_name(folder, candidate.root.name)
                    shutil.move(candidate.root, target)
                    moved[candidate.root] = target
                stored = moved[candidate.root] / candidate.path.relative_to(candidate.root)
                created.append(_create_image(user, image_set, image_type, candidate, stored))
    except BaseException:
        for target in moved.values():
            storage.remove_tree(target)
        raise
    return created


def _create_image(
    user: Any, image_set: ImageSet, image_type: int, candidate: _Candidate, stored: Path
) -> Image:
    found = candidate.probe
    assert found is not None  # probed before commit
    image = Image.objects.create(
        image_set=image_set,
        name=candidate.name,
        filename=stored.relative_to(storage.set_dir(image_set)).as_posix(),
        checksum=candidate.checksum,
        width=found.width,
        height=found.height,
        image_type=image_type,
        creator=user if getattr(user, "is_authenticated", False) else None,
        ingest_state=Image.IngestState.QUEUED,
        ingest_progress=0,
        metadata={"format": found.kind, "size": candidate.size},
    )
    job = start_job(
        kind="ingest", user=image.creator, params={"image_id": image.pk}, queue="ingest"
    )
    image.metadata["ingest_job"] = job.pk
    Image.objects.filter(pk=image.pk).update(metadata=image.metadata)
    return image
