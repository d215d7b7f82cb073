"""Reads of Job rows for pages, the API and the command line."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from lamella.accounts.models import User
from lamella.jobs.models import Job


def get_job(*, job_id: int) -> Job:
    """The Job ``job_id``; raises Job.DoesNotExist."""
    return Job.objects.get(pk=job_id)


def jobs_visible_to(*, user: User | AnonymousUser) -> QuerySet[Job]:
    """Jobs a user may watch: superusers see all, other users their own, anonymous none."""
    if not user.is_authenticated:
        return Job.objects.none()
    if user.is_superuser:
        return Job.objects.all()
    return Job.objects.filter(user=user)


def job_to_dict(job: Job) -> dict[str, Any]:
    """The public shape of a job, for JSON answers and the command line."""
    return {
        "id": job.pk,
        "kind": job.kind,
        "status": job.status,
        "progress": job.progress,
        "log": list(job.log),
        "params": job.params,
        "result": job.result,
        "error": job.error,
        "user": job.user_id,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
