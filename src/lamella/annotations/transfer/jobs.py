"""The ``import_annotations`` and ``imageset_zip`` job kinds: thin wrappers around the services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lamella.accounts.models import User
from lamella.annotations.transfer.importing import import_annotations
from lamella.annotations.transfer.set_zip import build_zip
from lamella.images.models import Image, ImageSet
from lamella.images.storage import remove_tree
from lamella.jobs import services as jobs
from lamella.jobs.models import Job


def run_import(job: Job) -> dict[str, Any]:
    """Import ``params["path"]`` (an upload kept for the job, removed afterwards)."""
    params = job.params
    path = Path(params["path"])
    try:
        image_set = ImageSet.objects.get(pk=params["image_set_id"])
        image = Image.objects.get(pk=params["image_id"]) if params.get("image_id") else None
        user = User.objects.filter(pk=params.get("user_id")).first()
        report = import_annotations(
            user=user,
            image_set=image_set,
            path=path,
            format=params.get("format") or None,
            image=image,
            create_types=bool(params.get("create_types")),
            dry_run=bool(params.get("dry_run")),
            progress=lambda records: jobs.log(job.pk, f"{records} records read"),
        )
    finally:
        remove_tree(path.parent)
    jobs.log(job.pk, report.summary())
    return report.as_dict()


def run_zip(job: Job) -> dict[str, Any]:
    """Build the download zip of ``params["image_set_id"]``."""
    return build_zip(int(job.params["image_set_id"]))
