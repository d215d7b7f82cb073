"""Run ``lamella`` in child processes against a throwaway data dir, and read what they wrote.

The test process's own database is in memory (or a test database the children do not know),
so tests that need a real worker or server give the children a SQLite file of their own and
read it back with the standard library.
"""

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).resolve().parents[1] / "src"
LAMELLA = [sys.executable, "-m", "lamella"]
# Variables of the test run that must not leak into a child meant to look like a real site.
DROPPED = ("LAMELLA_DATABASE_URL", "LAMELLA_TEST_SQLITE_NAME", "PYTEST_VERSION")


def site_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a child process serving ``data_dir``, on SQLite."""
    env = {key: value for key, value in os.environ.items() if key not in DROPPED}
    env.update(
        LAMELLA_DATA_DIR=str(data_dir),
        LAMELLA_TASK_BACKEND="database",
        DJANGO_SETTINGS_MODULE="lamella.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(SOURCE), os.environ.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def lamella(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``lamella ARGS`` to its end and return what it printed (stderr into stdout)."""
    return subprocess.run(
        [*LAMELLA, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )


def migrated_copy(template: Path, target: Path) -> Path:
    """A data dir at ``target`` holding a copy of the migrated ``template``."""
    shutil.copytree(template, target)
    return target


def read_job(data_dir: Path, job_id: int, database_url: str | None = None) -> dict[str, Any]:
    """The Job row ``job_id`` of the site, as a dict: from its SQLite file, or from
    PostgreSQL at ``database_url``."""
    if database_url:
        import psycopg
        from psycopg.rows import dict_row

        with psycopg.connect(database_url, row_factory=dict_row) as db:
            found = db.execute("SELECT * FROM jobs_job WHERE id = %s", (job_id,)).fetchone()
        assert found is not None
        return dict(found)  # psycopg decodes JSON columns itself
    with sqlite3.connect(data_dir / "lamella.sqlite3", timeout=20) as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM jobs_job WHERE id = ?", (job_id,)).fetchone()
    job = dict(row)
    job["log"] = json.loads(job["log"])
    job["result"] = json.loads(job["result"]) if job["result"] else None
    return job


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:g} s waiting for {what}")
        time.sleep(0.1)


def free_port() -> int:
    """A TCP port nobody listens on right now (other programs may hold 8000)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def child_pids(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def is_running(pid: int) -> bool:
    """Whether a process ``pid`` exists (and is not a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
