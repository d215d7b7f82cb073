"""The import page's writes: keep an upload where a worker finds it, start the import job, or
run a small dry run inside the request.

The job is the API's: kind ``import_annotations`` (:mod:`lamella.annotations.transfer.jobs`),
with the same params, so a page import and an API import are the same thing in the jobs list.
Every real import runs as a job, whatever its size: the set page then lists every import that
changed the set, and no request holds the database's write lock for the length of an import.
A dry run writes nothing, so a small one runs in the request and its report comes back at once;
one larger than ``settings.IMPORT_BACKGROUND_BYTES`` takes as long as an import and runs as a
job too.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.move import file_move_safe
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile

from lamella.accounts.models import User
from lamella.annotations.transfer import ImportFailed, import_annotations
from lamella.images.models import ImageSet
from lamella.images.storage import clean_name, remove_tree
from lamella.interop import registry
from lamella.jobs.models import Job
from lamella.jobs.services import start_job

IMPORT_KIND = "import_annotations"


class UnknownFormat(ValueError):
    """No format was given and none can be told from the file."""


def runs_in_background(*, dry_run: bool, size: int) -> bool:
    """Whether an import of ``size`` bytes runs as a job (see the module's docstring)."""
    return not dry_run or size > settings.IMPORT_BACKGROUND_BYTES


def keep_upload(upload: UploadedFile, folder: Path) -> Path:
    """The upload in ``folder`` under its own cleaned name (single-image formats match images
    by the file's stem). A large upload's temporary file is moved there, not copied."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / clean_name(upload.name or "upload")
    if isinstance(upload, TemporaryUploadedFile):
        # Django forgets a moved temporary file quietly when the request ends.
        file_move_safe(upload.temporary_file_path(), str(target), allow_overwrite=True)
        return target
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target


def check_format(path: Path, format: str | None) -> None:
    """Raise UnknownFormat when no format is given and the file does not tell its own, so the
    form says so at once instead of a job failing a moment later."""
    if format:
        return
    try:
        known = registry.guess_format(str(path))
    except OSError:
        known = None
    if not known:
        names = ", ".join(sorted(registry.FORMATS))
        raise UnknownFormat(f"Cannot tell the format from the file; pick one of {names}.")


def start_import(
    *,
    user: User,
    image_set: ImageSet,
    upload: UploadedFile,
    format: str | None,
    create_types: bool,
    dry_run: bool,
) -> Job:
    """Keep the upload under ``DATA_DIR/imports/`` (the job removes it) and queue the import.

    Raises UnknownFormat (and keeps nothing) when the file's format cannot be told.
    """
    folder = Path(settings.DATA_DIR) / "imports" / uuid.uuid4().hex
    path = keep_upload(upload, folder)
    try:
        check_format(path, format)
    except UnknownFormat:
        remove_tree(folder)
        raise
    return start_job(
        kind=IMPORT_KIND,
        user=user,
        params={
            "path": str(path),
            "image_set_id": image_set.pk,
            "image_id": None,
            "user_id": user.pk,
            "format": format or "",
            "create_types": create_types,
            "dry_run": dry_run,
            "file_name": path.name,
            "file_bytes": path.stat().st_size,
        },
    )


def dry_run_now(
    *, user: User, image_set: ImageSet, upload: UploadedFile, format: str | None, create_types: bool
) -> dict[str, Any]:
    """A dry run inside the request: ``{"report", "summary"}``, or ``{"failure", "report"}``
    when the file cannot be imported (nothing is ever saved)."""
    with tempfile.TemporaryDirectory(prefix="lamella-import-") as folder:
        path = keep_upload(upload, Path(folder))
        try:
            report = import_annotations(
                user=user,
                image_set=image_set,
                path=path,
                format=format,
                create_types=create_types,
                dry_run=True,
            )
        except ImportFailed as failure:
            return {"failure": str(failure), "report": failure.report.as_dict()}
    return {"report": report.as_dict(), "summary": report.summary()}
