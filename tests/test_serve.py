"""``lamella serve`` as a newcomer runs it: a real server and worker on a free port."""

import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.processes import (
    LAMELLA,
    child_pids,
    free_port,
    is_running,
    lamella,
    read_job,
    site_env,
    wait_for,
)

ADMIN_PASSWORD = "a long admin password"
START_TIMEOUT = 90.0


@dataclass
class Server:
    url: str
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path


def login_page_answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/accounts/login/", timeout=10).status_code == 200
    except (requests.ConnectionError, requests.Timeout):
        # Not listening yet, or still loading Django on a busy machine: ask again.
        return False


def start(data_dir: Path, log: Path) -> Server:
    """Start ``lamella serve`` and return once its login page answers."""
    port = free_port()
    env = site_env(data_dir, LAMELLA_ADMIN_PASSWORD=ADMIN_PASSWORD)
    with log.open("ab") as output:
        process = subprocess.Popen(
            [*LAMELLA, "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", data_dir, env, process, log)
    try:
        wait_for(
            lambda: process.poll() is not None or login_page_answers(server.url),
            timeout=START_TIMEOUT,
            what="lamella serve to answer",
        )
    except AssertionError:
        stop(server)
        raise
    assert process.poll() is None, log.read_text()
    return server


def stop(server: Server) -> int:
    """SIGTERM, as systemd or Ctrl-C would send; returns the exit status."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
    return server.process.wait(timeout=60)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("serve")
    running = start(base / "data", base / "serve.log")
    yield running
    stop(running)


def test_the_front_page_leads_to_the_login_page(server: Server):
    response = requests.get(f"{server.url}/", timeout=10)
    assert response.status_code == 200
    assert response.url.startswith(f"{server.url}/accounts/login/")
    assert 'name="csrfmiddlewaretoken"' in response.text


def test_the_first_admin_logs_in_and_sees_the_dashboard(server: Server):
    session = requests.Session()
    login = session.get(f"{server.url}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    assert token is not None
    dashboard = session.post(
        login.url,
        data={"username": "admin", "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": token[1]},
        headers={"Referer": login.url},
        timeout=10,
    )
    assert dashboard.status_code == 200
    assert dashboard.url == f"{server.url}/"
    assert "Welcome, admin" in dashboard.text


def test_the_worker_that_serve_started_brings_a_job_to_100_percent(server: Server):
    done = lamella("enqueue", "selfcheck", "--wait", "--timeout", "60", env=server.env)
    assert done.returncode == 0, done.stdout + server.log.read_text()
    job_id = int(done.stdout.split()[1])
    assert f"job {job_id} succeeded 100 %" in done.stdout
    job = read_job(server.data_dir, job_id)
    assert (job["status"], job["progress"]) == ("succeeded", 100)


def test_sigterm_stops_server_and_worker_and_a_second_start_serves_again(
    tmp_path: Path,
    record_property: Callable[[str, object], None],
    capsys: pytest.CaptureFixture[str],
):
    first = start(tmp_path / "data", tmp_path / "serve.log")
    children = child_pids(first.process.pid)
    assert len(children) == 2, children  # granian and the task worker
    assert stop(first) == 0, first.log.read_text()
    assert not any(is_running(pid) for pid in children)
    assert not login_page_answers(first.url)

    began = time.monotonic()
    second = start(first.data_dir, first.log)
    seconds = time.monotonic() - began
    try:
        assert login_page_answers(second.url)
        # Migrations and static files were done by the first start only.
        log = first.log.read_text()
        assert log.count("Applying") == 1 and log.count("Collecting static files") == 1, log
    finally:
        assert stop(second) == 0
    # A figure to watch, not to assert on: the brief asks for a second start within 10 s.
    record_property("second_start_seconds", round(seconds, 2))
    with capsys.disabled():
        sys.stdout.write(f"\nsecond start of lamella serve answered in {seconds:.1f} s\n")
