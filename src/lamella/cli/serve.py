"""``lamella serve``: prepare, then run granian (WSGI) and one task worker side by side.

The children run in their own process groups, so a Ctrl-C in the terminal reaches only this
process, which passes one SIGTERM to each child and waits for them: a worker in the middle of a
job finishes it instead of being interrupted twice. If either child dies, the other is stopped
too and the exit status says so.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

from lamella.cli import say, setup_django

# How long children get to stop before they are killed: a worker may be finishing a job.
STOP_TIMEOUT = 30.0
POLL_INTERVAL = 0.2


def child_environment() -> dict[str, str]:
    """The environment for the children: the same settings the parent resolved."""
    from django.conf import settings

    import lamella

    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = os.environ.get("DJANGO_SETTINGS_MODULE", "lamella.settings")
    env["LAMELLA_DATA_DIR"] = str(settings.DATA_DIR)
    env["LAMELLA_TASK_BACKEND"] = settings.TASK_BACKEND
    # Lets the children import lamella even when it is run from a source tree, not installed.
    source = str(Path(lamella.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))
    return env


# Threads per web process: room for the live-event streams of many open viewers (idle threads
# cost little memory) plus the ordinary requests, which the GIL serialises anyway.
MIN_WEB_THREADS = 64


def web_threads() -> int:
    """Blocking threads per granian worker (``LAMELLA_WEB_THREADS`` overrides)."""
    raw = os.environ.get("LAMELLA_WEB_THREADS", "")
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    return max(2 * (os.cpu_count() or 1) + 1, MIN_WEB_THREADS)


def web_command(*, host: str, port: int, workers: int) -> list[str]:
    """granian serving Django's WSGI application with ``workers`` processes."""
    return [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-ws",
        "--respawn-failed-workers",
        # Python threads per process. Each open viewer holds one thread with its live-event
        # stream (mostly asleep between database polls), so 2 x cores + 1 threads let five
        # viewers stall every other request; measured: a plain GET waited 22 s behind 6 streams.
        "--blocking-threads",
        str(web_threads()),
        "lamella.wsgi:application",
    ]


def worker_command() -> list[str]:
    """One task worker on every queue."""
    return [sys.executable, "-m", "lamella", "worker"]


class Supervisor:
    """Runs named child processes until a signal arrives or one of them exits."""

    def __init__(self, commands: dict[str, list[str]], env: dict[str, str]) -> None:
        self.commands = commands
        self.env = env
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.stop_signal: int | None = None

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop_signal = signum

    def run(self) -> int:
        """Start every child, wait, stop them all; 0 after a requested stop."""
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_signal)
        for name, command in self.commands.items():
            self.children[name] = subprocess.Popen(command, env=self.env, process_group=0)
        exited = self._wait_for_stop_or_exit()
        self.stop()
        if exited is None:
            return 0
        name, code = exited
        say(f"{name} exited with status {code}; stopped the rest.")
        return code or 1

    def _wait_for_stop_or_exit(self) -> tuple[str, int] | None:
        while self.stop_signal is None:
            for name, child in self.children.items():
                code = child.poll()
                if code is not None:
                    return name, code
            time.sleep(POLL_INTERVAL)
        return None

    def stop(self) -> None:
        """SIGTERM every child still running; SIGKILL those still there after the timeout."""
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for name, child in self.children.items():
            try:
                child.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within {STOP_TIMEOUT:g} s; killing it.")
                child.kill()
                child.wait()


def serve(*, host: str, port: int, workers: int, worker: bool = True) -> int:
    """Prepare the site, then serve on ``host:port`` until stopped."""
    setup_django()
    from django.conf import settings

    from lamella.cli.prepare import prepare

    prepare()
    commands = {"web server": web_command(host=host, port=port, workers=workers)}
    if worker and settings.TASK_BACKEND != "immediate":
        commands["task worker"] = worker_command()
    say(f"Lamella at http://{host}:{port}/ (data in {settings.DATA_DIR}); Ctrl-C stops it.")
    return Supervisor(commands, child_environment()).run()
