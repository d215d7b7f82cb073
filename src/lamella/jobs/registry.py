"""Which service runs each kind of job: one line per kind.

A kind maps to the dotted path of a function ``run(job) -> result``, imported only when a job
of that kind runs, so this module imports nothing heavy and any app can add its line.
"""

from collections.abc import Callable
from typing import Any

from django.utils.module_loading import import_string

from lamella.jobs.models import Job

JobRunner = Callable[[Job], Any]

JOB_KINDS: dict[str, str] = {
    "selfcheck": "lamella.jobs.selfcheck.run",
    "ingest": "lamella.images.ingest.run",
    "import_annotations": "lamella.annotations.transfer.jobs.run_import",
    "imageset_zip": "lamella.annotations.transfer.jobs.run_zip",
}


class UnknownJobKind(ValueError):
    """No runner is registered for this kind of job."""


def ensure_known(kind: str) -> None:
    """Raise UnknownJobKind unless ``kind`` is registered (without importing its runner)."""
    if kind not in JOB_KINDS:
        known = ", ".join(sorted(JOB_KINDS))
        raise UnknownJobKind(f"unknown job kind {kind!r} (known: {known})")


def get_runner(kind: str) -> JobRunner:
    """The function that runs jobs of ``kind``; raises UnknownJobKind if there is none."""
    ensure_known(kind)
    runner: JobRunner = import_string(JOB_KINDS[kind])
    return runner
