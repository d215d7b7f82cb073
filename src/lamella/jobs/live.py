"""What a running job has reported so far, readable by other processes before its work commits.

A job whose work is one transaction (an annotation import: all or nothing) reports its progress
and log from inside that transaction, so other connections see none of it until the end: on
PostgreSQL the row is unchanged for them, on SQLite no second writer may even touch it. Each
report made inside a transaction is therefore also written to a small JSON file under
``DATA_DIR/jobs/`` (the worker and the web processes share the data dir already); pages read it
while the row says the job runs, and the service removes it when the job ends.

A job whose params name an input ``path`` also gets how far into that file the worker has read
(from Linux's ``/proc/self/fdinfo``; a parser that streams the file moves that offset).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from lamella.jobs.models import Job

#: Log lines kept in a snapshot: enough for the page, small enough to rewrite on each report.
LINES = 50


@dataclass(frozen=True)
class Snapshot:
    """The progress, newest log lines and share of the input file read (0..1, or None)."""

    progress: int
    log: list[str]
    input_read: float | None


def _file(job_id: int) -> Path:
    return Path(settings.DATA_DIR) / "jobs" / f"{job_id}.json"


def publish(job: Job) -> None:
    """Write ``job``'s progress and log where other processes see them at once."""
    path = _file(job.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {
        "progress": job.progress,
        "log": [str(line) for line in job.log[-LINES:]],
        "input_read": input_read(job.params.get("path") if isinstance(job.params, dict) else None),
    }
    # Written aside and renamed: a reader sees the old snapshot or the new one, never half.
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as out:
        json.dump(body, out)
    Path(out.name).replace(path)


def snapshot(job: Job) -> Snapshot | None:
    """The latest snapshot of a running ``job``; None when it has none or is not running."""
    if job.status != Job.Status.RUNNING:
        return None
    try:
        body: dict[str, Any] = json.loads(_file(job.pk).read_text())
    except (OSError, ValueError):  # none yet, or removed as the job ended
        return None
    share = body.get("input_read")
    return Snapshot(
        progress=int(body.get("progress") or 0),
        log=[str(line) for line in body.get("log") or []],
        input_read=float(share) if isinstance(share, int | float) else None,
    )


def discard(job_id: int) -> None:
    """Forget the snapshot of a job that ended: its row says it all now."""
    _file(job_id).unlink(missing_ok=True)


def input_read(path: Any) -> float | None:
    """How much of the file at ``path`` this process, or a child of it (a large file's parser,
    :mod:`lamella.interop.beside`), has read through an open handle (0..1); None when none
    has it open (a parser that read it whole has closed it) or off Linux."""
    if not isinstance(path, str) or not path:
        return None
    try:
        target = Path(path).resolve()
        size = target.stat().st_size
    except OSError:
        return None
    for process in (Path("/proc/self"), *_children()):
        try:
            descriptors = list((process / "fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if descriptor.readlink() != target:
                    continue
                info = (process / "fdinfo" / descriptor.name).read_text()
            except OSError:
                continue  # closed while we looked
            lines = info.splitlines()
            offset = next((int(line.split()[1]) for line in lines if line[:4] == "pos:"), 0)
            if offset > 0 and size > 0:  # 0: opened, not read yet, or read with pread (SQLite)
                return min(1.0, offset / size)
    return None


def _children() -> list[Path]:
    """The /proc directories of this process's children (any thread's)."""
    found: list[Path] = []
    try:
        threads = list(Path("/proc/self/task").iterdir())
    except OSError:
        return found
    for thread in threads:
        try:
            found += [Path(f"/proc/{pid}") for pid in (thread / "children").read_text().split()]
        except OSError:
            continue
    return found
