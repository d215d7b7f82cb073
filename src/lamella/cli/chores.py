"""``lamella worker``, ``createuser``, ``enqueue`` and ``manage``."""

import getpass
import json
import secrets
import sys
import time
from collections.abc import Sequence

from lamella.cli import say, setup_django


def worker(*, queues: Sequence[str], burst: bool = False, interval: float = 1.0) -> int:
    """Run tasks from ``queues`` with the configured engine until stopped (or, with
    ``burst``, until none is waiting)."""
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    if settings.TASK_BACKEND == "database":
        call_command(
            "db_worker",
            queue_name=",".join(queues),
            batch=burst,
            interval=interval,
            reload=False,
            # One worker per machine is the common case: no thundering herd to spread.
            startup_delay=False,
        )
        return 0
    if settings.TASK_BACKEND == "rq":
        call_command("rqworker", *queues, job_class="django_tasks_rq.Job", burst=burst)
        return 0
    say(
        f"LAMELLA_TASK_BACKEND={settings.TASK_BACKEND} runs tasks inline in the web process; "
        "there is nothing for a worker to do."
    )
    return 2


def createuser(
    *, username: str, password: str | None = None, email: str = "", superuser: bool = False
) -> int:
    """Add a user. Without ``password``: ask on a terminal, else generate and print one."""
    setup_django()
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    if user_model.objects.filter(username=username).exists():
        say(f"A user {username!r} exists already.")
        return 1
    if password is None:
        if sys.stdin.isatty():
            password = getpass.getpass(f"Password for {username}: ")
        else:
            password = secrets.token_urlsafe(12)
            say(f"Generated password for {username}: {password}")
    if superuser:
        user_model.objects.create_superuser(username=username, email=email, password=password)
    else:
        user_model.objects.create_user(username=username, email=email, password=password)
    say(f"Created {'superuser' if superuser else 'user'} {username}.")
    return 0


def enqueue(
    *, kind: str, params: str = "{}", queue: str = "default", wait: bool = False, timeout: float
) -> int:
    """Start a job and print its id; with ``wait``, follow it to its end (exit 1 if it failed
    or did not end within ``timeout`` seconds)."""
    try:
        parsed = json.loads(params)
    except json.JSONDecodeError as exc:
        say(f"--params is not JSON: {exc}")
        return 2
    if not isinstance(parsed, dict):
        say("--params must be a JSON object")
        return 2
    setup_django()
    from lamella.jobs import selectors, services
    from lamella.jobs.models import Job
    from lamella.jobs.registry import UnknownJobKind

    try:
        job = services.start_job(kind=kind, params=parsed, queue=queue)
    except UnknownJobKind as exc:
        say(str(exc))
        return 2
    say(f"job {job.pk} queued")
    if not wait:
        return 0
    deadline = time.monotonic() + timeout
    shown = ""
    while True:
        job = selectors.get_job(job_id=job.pk)
        line = f"job {job.pk} {job.status} {job.progress} %"
        if line != shown:
            say(line)
            shown = line
        if job.status == Job.Status.SUCCEEDED:
            return 0
        if job.status == Job.Status.FAILED:
            say(f"error: {job.error}")
            return 1
        if time.monotonic() > deadline:
            say(f"gave up waiting after {timeout:g} s: is a worker running (lamella worker)?")
            return 1
        time.sleep(0.2)


def manage(args: Sequence[str]) -> int:
    """Run Django's management command line with ``args``."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["lamella manage", *args])
    return 0
