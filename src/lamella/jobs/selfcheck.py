"""The built-in ``selfcheck`` job: proves that a worker picks jobs up and reports back.

A few quick steps, each reported as progress. Params: ``delay`` (seconds to wait after each
step, at most 5, so a watcher can see progress move) and ``fail_at`` (the name of a step that
should fail, to try the failure path end to end).
"""

import os
import platform
import socket
import tempfile
import time
from typing import Any

from django.conf import settings
from django.db import connection

from lamella.jobs import services
from lamella.jobs.models import Job

MAX_DELAY = 5.0


class SelfcheckFailed(RuntimeError):
    """A step failed, or the params asked it to."""


def _database() -> str:
    return f"{connection.vendor}, {Job.objects.count()} jobs"


def _data_dir() -> str:
    with tempfile.NamedTemporaryFile(dir=settings.DATA_DIR, prefix=".selfcheck-") as probe:
        probe.write(b"ok")
        probe.flush()
    return str(settings.DATA_DIR)


def _worker() -> str:
    return f"{socket.gethostname()} pid {os.getpid()}, Python {platform.python_version()}"


STEPS = [("database", _database), ("data_dir", _data_dir), ("worker", _worker)]


def run(job: Job) -> dict[str, Any]:
    """Run each step, log its outcome, report progress; return what each step found."""
    delay = _delay(job.params.get("delay", 0))
    fail_at = job.params.get("fail_at")
    found: dict[str, str] = {}
    for number, (name, step) in enumerate(STEPS, start=1):
        if name == fail_at:
            raise SelfcheckFailed(f"step {name!r} failed because the params asked it to")
        found[name] = step()
        services.report_progress(
            job.pk, 100 * number / (len(STEPS) + 1), f"ok {name}: {found[name]}"
        )
        if delay:
            time.sleep(delay)
    return {"checks": found}


def _delay(value: Any) -> float:
    try:
        delay = float(value)
    except (TypeError, ValueError) as exc:
        raise SelfcheckFailed(f"delay must be a number of seconds, not {value!r}") from exc
    return max(0.0, min(delay, MAX_DELAY))
