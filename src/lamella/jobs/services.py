"""Writes on Job rows: start a job, record its progress, log and outcome, and run one by id.

A job is a Job row (what users see) plus one queued task (what the engine runs). The task is
enqueued after the surrounding transaction commits, so a worker never looks for a row that is
not there yet. Inside a test transaction that means tests use
``django_capture_on_commit_callbacks(execute=True)`` to see the job run.
"""

import logging
import os
import socket
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from lamella.accounts.models import User
from lamella.jobs import live
from lamella.jobs.models import Job
from lamella.jobs.registry import UnknownJobKind, ensure_known, get_runner

logger = logging.getLogger(__name__)

# Keep the newest lines only: a chatty job must not grow its row without bound.
LOG_LIMIT = 1000


def start_job(
    *,
    kind: str,
    user: User | None = None,
    params: dict[str, Any] | None = None,
    queue: str = "default",
) -> Job:
    """Create a queued Job of ``kind`` and enqueue its task once the transaction commits."""
    ensure_known(kind)
    if queue not in settings.TASK_QUEUES:
        raise ValueError(f"unknown queue {queue!r} (known: {', '.join(settings.TASK_QUEUES)})")
    job = Job.objects.create(kind=kind, user=user, params=params or {})
    transaction.on_commit(partial(_enqueue, job.pk, queue))
    return job


def _enqueue(job_id: int, queue: str) -> None:
    # Imported here: tasks imports this module to call execute_job.
    from lamella.jobs.tasks import run_job

    try:
        task_result = run_job.using(queue_name=queue).enqueue(job_id)
    except Exception as exc:
        # Redis down, say: the row must not stay "queued" for ever.
        fail(job_id, f"could not enqueue: {exc}")
        raise
    # update(), not save(): an inline backend has already run the job and saved its outcome.
    Job.objects.filter(pk=job_id).update(task_id=task_result.id)


def report_progress(job_id: int, percent: float, message: str | None = None) -> None:
    """Set the progress (clamped to 0..100) and, if given, add ``message`` to the log."""
    hidden = transaction.get_connection().in_atomic_block
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        job.progress = max(0, min(100, int(percent)))
        if message:
            _append(job, message)
        job.save(update_fields=["progress", "log", "updated_at"])
    if hidden and job.status == Job.Status.RUNNING:  # watchers see the row only after commit
        live.publish(job)


def log(job_id: int, line: str) -> None:
    """Add one line to the job's log."""
    hidden = transaction.get_connection().in_atomic_block
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        _append(job, line)
        job.save(update_fields=["log", "updated_at"])
    if hidden and job.status == Job.Status.RUNNING:  # watchers see the row only after commit
        live.publish(job)


def mark_running(job_id: int) -> None:
    """Record that a worker has started the job, and which one."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        job.status = Job.Status.RUNNING
        job.started_at = timezone.now()
        job.error = ""
        _append(job, f"started on {socket.gethostname()} (pid {os.getpid()})")
        job.save(update_fields=["status", "started_at", "error", "log", "updated_at"])
    live.discard(job_id)  # a snapshot left by a worker that died


def finish(job_id: int, result: Any) -> None:
    """Mark the job succeeded at 100 % with its JSON ``result``."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        job.status = Job.Status.SUCCEEDED
        job.progress = 100
        job.result = result
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "progress", "result", "finished_at", "updated_at"])
    live.discard(job_id)


def fail(job_id: int, error: str) -> None:
    """Mark the job failed with the message ``error``."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        job.status = Job.Status.FAILED
        job.error = error
        job.finished_at = timezone.now()
        _append(job, f"failed: {error}")
        job.save(update_fields=["status", "error", "finished_at", "log", "updated_at"])
    live.discard(job_id)


def execute_job(job_id: int) -> None:
    """Run the Job ``job_id`` with the runner of its kind; called by the task, in a worker.

    Any exception marks the job failed with its message and is raised again, so the task
    engine records the failure too.
    """
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        logger.warning("job %s is gone; nothing to run", job_id)
        return
    if job.status in (Job.Status.SUCCEEDED, Job.Status.FAILED):
        # A task delivered twice (a worker restarted mid-way) must not run the job again.
        logger.info("job %s is already %s; not running it again", job_id, job.status)
        return
    try:
        runner = get_runner(job.kind)
    except UnknownJobKind as exc:
        fail(job_id, str(exc))
        return
    mark_running(job_id)
    try:
        result = runner(job)
        finish(job_id, result)
    except BaseException as exc:
        # BaseException too: a worker stopped mid-job must not leave the row "running".
        # The engine logs the traceback when the exception reaches it.
        logger.warning("job %s (%s) failed: %s", job_id, job.kind, exc)
        fail(job_id, _describe(exc))
        raise


def _describe(exc: BaseException) -> str:
    message = str(exc)
    name = type(exc).__name__
    return f"{name}: {message}" if message else name


def _append(job: Job, line: str) -> None:
    job.log = [*job.log, str(line)][-LOG_LIMIT:]
