"""The import page's reads: a set's recent imports, one import job for a user, and the state of
an import as its progress page and its poll show it."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from lamella.accounts.access import get_image_set_for_user
from lamella.accounts.policy import Action, can
from lamella.images.models import ImageSet
from lamella.jobs import live
from lamella.jobs.models import Job
from lamella.web.services_imports import IMPORT_KIND

#: How the import job logs its progress (``lamella.annotations.transfer.jobs.run_import``).
_RECORDS_READ = re.compile(r"^(\d+) records read$")
RECENT = 5


def imports_of_set(image_set: ImageSet) -> QuerySet[Job]:
    """Import jobs into ``image_set``, newest first."""
    return Job.objects.filter(kind=IMPORT_KIND, params__image_set_id=image_set.pk).order_by("-id")


def recent_imports(user: Any, image_set: ImageSet) -> list[dict[str, Any]]:
    """The latest imports into the set, for those who may import into it; none for others."""
    if not can(user, image_set, Action.ANNOTATE):
        return []
    jobs = imports_of_set(image_set).select_related("user")[:RECENT]
    return [import_state(job) for job in jobs]


def import_job_for_user(user: Any, set_id: int, job_id: int) -> tuple[ImageSet, Job]:
    """The set and its import job ``job_id``, if ``user`` may import into the set or started
    the job and may still read the set. 404 for anybody else: a job is not revealed."""
    image_set = get_image_set_for_user(user, set_id, Action.READ)
    job = imports_of_set(image_set).select_related("user").filter(pk=job_id).first()
    started_it = job is not None and user.is_authenticated and job.user_id == user.pk
    if job is None or not (started_it or can(user, image_set, Action.ANNOTATE)):
        raise Http404("No such import.")
    return image_set, job


def _records_read(log: list[str]) -> int:
    for line in reversed(log):
        match = _RECORDS_READ.match(str(line))
        if match:
            return int(match.group(1))
    return 0


def _failure(error: str) -> str:
    """The job's error without the exception's name: ``ImportFailed: feature 3: problem``
    reads ``feature 3: problem``, which names where the file went wrong."""
    name, colon, rest = error.partition(": ")
    return rest if colon and name.isidentifier() else error


def _state_text(status: str, records: int, percent: int | None, dry_run: bool) -> str:
    if status == Job.Status.QUEUED:
        return "Queued: waiting for a worker to start it."
    if status == Job.Status.FAILED:
        return "Failed: nothing was imported."
    if status == Job.Status.SUCCEEDED:
        return "Done: a dry run, nothing was saved." if dry_run else "Done: imported."
    share = f", {percent} % of the file" if percent is not None else ""
    return f"Running: {records:,} records read{share}."


def import_state(job: Job) -> dict[str, Any]:
    """What the progress page and its poll show: status, progress, log, and the report or
    the failure once the job ended. ``percent`` is None while it cannot be told."""
    params = job.params if isinstance(job.params, dict) else {}
    log = [str(line) for line in job.log]
    percent: int | None = 0 if job.status == Job.Status.QUEUED else None
    seen = live.snapshot(job)
    if seen is not None:  # the import's own transaction hides the row's progress until it ends
        log = seen.log
        if seen.input_read is not None:
            percent = int(100 * seen.input_read)
    result = job.result if isinstance(job.result, dict) else None
    finished = job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED)
    if job.status == Job.Status.SUCCEEDED:
        percent = 100
    records = int(result["records"]) if result else _records_read(log)
    dry_run = bool(params.get("dry_run"))
    return {
        "id": job.pk,
        "status": job.status,
        "finished": finished,
        "percent": percent,
        "records": records,
        "state_text": _state_text(job.status, records, percent, dry_run),
        "log": log[-live.LINES :],
        "report": result,
        "failure": _failure(job.error) if job.status == Job.Status.FAILED else None,
        "file_name": str(params.get("file_name") or ""),
        "file_bytes": int(params.get("file_bytes") or 0),
        "dry_run": dry_run,
        "user": job.user.get_username() if job.user else "",
        "created_at": job.created_at,  # JsonResponse writes it in ISO 8601
    }
