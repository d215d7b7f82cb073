"""Background jobs: Job rows, the run_job task, and real workers on the database and on RQ."""

import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from lamella.jobs import selectors, services
from lamella.jobs.models import Job
from lamella.jobs.registry import JOB_KINDS, UnknownJobKind
from tests import factories
from tests.processes import LAMELLA, lamella, migrated_copy, read_job, site_env, wait_for

IMMEDIATE = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "ingest", "plugins"],
    }
}


@pytest.fixture(autouse=True)
def immediate_tasks() -> Iterator[None]:
    """Tasks run inline here, whatever LAMELLA_TASK_BACKEND the run was given."""
    with override_settings(TASKS=IMMEDIATE):
        yield


def explode(job: Job) -> None:
    raise ValueError("the runner broke")


def unserialisable(job: Job) -> object:
    return object()


def run(django_capture_on_commit_callbacks: Any, **start: Any) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_job(**start)
    job.refresh_from_db()
    return job


def test_a_selfcheck_job_runs_to_100_percent(db: None, django_capture_on_commit_callbacks: Any):
    job = run(django_capture_on_commit_callbacks, kind="selfcheck")
    assert (job.status, job.progress) == (Job.Status.SUCCEEDED, 100)
    assert job.started_at is not None and job.finished_at is not None
    assert job.finished_at >= job.started_at
    assert job.result is not None
    assert set(job.result["checks"]) == {"database", "data_dir", "worker"}
    assert any(line.startswith("ok database") for line in job.log)
    assert job.task_id


def test_a_job_is_enqueued_only_when_its_transaction_commits(
    db: None, django_capture_on_commit_callbacks: Any
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.start_job(kind="selfcheck")
    job.refresh_from_db()
    assert len(callbacks) == 1
    assert (job.status, job.progress, job.task_id) == (Job.Status.QUEUED, 0, "")


def test_a_job_keeps_its_user_and_params(db: None, django_capture_on_commit_callbacks: Any):
    user = factories.make_user("runner")
    job = run(django_capture_on_commit_callbacks, kind="selfcheck", user=user, params={"delay": 0})
    assert (job.user, job.params) == (user, {"delay": 0})


def test_a_step_that_fails_marks_the_job_failed_with_the_message(
    db: None, django_capture_on_commit_callbacks: Any
):
    job = run(django_capture_on_commit_callbacks, kind="selfcheck", params={"fail_at": "data_dir"})
    assert job.status == Job.Status.FAILED
    assert job.error == "SelfcheckFailed: step 'data_dir' failed because the params asked it to"
    assert 0 < job.progress < 100
    assert job.finished_at is not None
    assert job.log[-1] == f"failed: {job.error}"


def test_an_exception_in_any_runner_becomes_a_failed_job(
    db: None, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setitem(JOB_KINDS, "explode", "tests.test_jobs.explode")
    job = run(django_capture_on_commit_callbacks, kind="explode")
    assert (job.status, job.error) == (Job.Status.FAILED, "ValueError: the runner broke")


def test_a_result_that_is_not_json_fails_the_job_instead_of_leaving_it_running(
    db: None, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setitem(JOB_KINDS, "odd", "tests.test_jobs.unserialisable")
    job = run(django_capture_on_commit_callbacks, kind="odd")
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("TypeError")


def test_a_bad_delay_param_fails_the_job_with_a_clear_message(
    db: None, django_capture_on_commit_callbacks: Any
):
    job = run(django_capture_on_commit_callbacks, kind="selfcheck", params={"delay": "soon"})
    assert job.error == "SelfcheckFailed: delay must be a number of seconds, not 'soon'"


def test_starting_an_unknown_kind_is_refused_and_leaves_no_row(db: None):
    with pytest.raises(UnknownJobKind, match=r"unknown job kind 'nope'.*selfcheck"):
        services.start_job(kind="nope")
    assert not Job.objects.exists()


def test_starting_on_an_unknown_queue_is_refused(db: None):
    with pytest.raises(ValueError, match="unknown queue 'fast'"):
        services.start_job(kind="selfcheck", queue="fast")
    assert not Job.objects.exists()


def test_a_job_whose_kind_is_no_longer_registered_fails_with_a_message(db: None):
    job = Job.objects.create(kind="retired")
    services.execute_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "unknown job kind 'retired'" in job.error


def test_a_finished_job_is_not_run_again(db: None):
    job = Job.objects.create(kind="selfcheck", status=Job.Status.SUCCEEDED, progress=100)
    services.execute_job(job.pk)
    job.refresh_from_db()
    assert (job.log, job.started_at) == ([], None)


def test_running_a_deleted_job_does_nothing(db: None):
    services.execute_job(987654)
    assert not Job.objects.exists()


def test_progress_is_clamped_and_messages_go_to_the_log(db: None):
    job = Job.objects.create(kind="selfcheck")
    services.report_progress(job.pk, 140, "almost")
    services.report_progress(job.pk, 42.9)
    services.log(job.pk, "a line")
    job.refresh_from_db()
    assert (job.progress, job.log) == (42, ["almost", "a line"])
    services.report_progress(job.pk, -5)
    job.refresh_from_db()
    assert job.progress == 0


def test_the_log_keeps_only_the_newest_lines(db: None, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(services, "LOG_LIMIT", 3)
    job = Job.objects.create(kind="selfcheck")
    for number in range(5):
        services.log(job.pk, f"line {number}")
    job.refresh_from_db()
    assert job.log == ["line 2", "line 3", "line 4"]


def test_users_see_their_own_jobs_and_superusers_all(db: None):
    owner, other = factories.make_user("owner"), factories.make_user("other")
    boss = factories.make_user("boss", is_superuser=True)
    mine = Job.objects.create(kind="selfcheck", user=owner)
    theirs = Job.objects.create(kind="selfcheck", user=other)
    assert list(selectors.jobs_visible_to(user=owner)) == [mine]
    assert set(selectors.jobs_visible_to(user=boss)) == {mine, theirs}
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.jobs_visible_to(user=AnonymousUser()).exists()


def test_a_job_as_a_dict_has_its_outcome(db: None, django_capture_on_commit_callbacks: Any):
    job = run(django_capture_on_commit_callbacks, kind="selfcheck")
    shown = selectors.job_to_dict(selectors.get_job(job_id=job.pk))
    assert shown["id"] == job.pk
    assert (shown["status"], shown["progress"], shown["error"]) == ("succeeded", 100, "")
    assert shown["finished_at"] is not None


# --- real worker processes -------------------------------------------------------------------


@pytest.fixture(scope="module")
def migrated_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir whose SQLite database is migrated once for the module."""
    data_dir = tmp_path_factory.mktemp("site")
    done = lamella("manage", "migrate", "-v0", env=site_env(data_dir))
    assert done.returncode == 0, done.stdout
    return data_dir


def run_selfcheck_through_a_worker(data_dir: Path, env: dict[str, str]) -> dict[str, Any]:
    """Start a long-running ``lamella worker``, queue a selfcheck, follow it, stop the worker."""
    database_url = env.get("LAMELLA_DATABASE_URL")
    worker = subprocess.Popen(
        [*LAMELLA, "worker", "--interval", "0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        queued = lamella("enqueue", "selfcheck", "--params", '{"delay": 0.2}', env=env)
        assert queued.returncode == 0, queued.stdout
        job_id = int(queued.stdout.split()[1])
        wait_for(
            lambda: read_job(data_dir, job_id, database_url)["status"] in ("succeeded", "failed"),
            timeout=60,
            what=f"job {job_id} to end",
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    job = read_job(data_dir, job_id, database_url)
    job["worker_exit"], job["worker_output"] = worker.returncode, output
    return job


def test_a_database_worker_process_brings_a_job_to_100_percent(migrated_site: Path, tmp_path: Path):
    data_dir = migrated_copy(migrated_site, tmp_path / "site")
    job = run_selfcheck_through_a_worker(data_dir, site_env(data_dir))
    assert (job["status"], job["progress"], job["error"]) == ("succeeded", 100, ""), job
    assert job["started_at"] and job["finished_at"]
    assert job["worker_exit"] == 0, job["worker_output"]


@pytest.fixture
def scratch_postgresql() -> Iterator[str]:
    """A fresh PostgreSQL database beside LAMELLA_DATABASE_URL's, dropped afterwards."""
    url = os.environ.get("LAMELLA_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("LAMELLA_DATABASE_URL is not PostgreSQL: this run tests SQLite")
    import psycopg

    name = f"lamella_worker_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    base, _, _ = url.rpartition("/")
    # The maintenance database: the one the URL names may not exist (pytest uses test_<name>).
    maintenance = f"{base}/postgres"
    with psycopg.connect(maintenance, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_database_worker_process_on_postgresql_brings_a_job_to_100_percent(
    tmp_path: Path, scratch_postgresql: str
):
    env = site_env(tmp_path, LAMELLA_DATABASE_URL=scratch_postgresql)
    migrated = lamella("manage", "migrate", "-v0", env=env)
    assert migrated.returncode == 0, migrated.stdout
    job = run_selfcheck_through_a_worker(tmp_path, env)
    assert (job["status"], job["progress"], job["error"]) == ("succeeded", 100, ""), job
    assert job["worker_exit"] == 0, job["worker_output"]


def redis_url() -> str:
    return os.environ.get("LAMELLA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def empty_redis() -> str:
    """A Redis database for the test alone, emptied; skips when RQ is not what this run tests."""
    if os.environ.get("LAMELLA_TASK_BACKEND") != "rq":
        pytest.skip("LAMELLA_TASK_BACKEND is not rq: RQ tests run in .ci/run's RQ stage")
    import redis

    url = redis_url()
    try:
        connection = redis.Redis.from_url(url, socket_connect_timeout=2)
        connection.ping()
    except redis.exceptions.RedisError as exc:
        pytest.skip(f"Redis at {url} is unreachable: {exc}")
    # A database of its own (LAMELLA_TEST_REDIS_URL), so stale tasks of other runs are gone.
    connection.flushdb()
    return url


@pytest.mark.rq
def test_an_rq_worker_process_brings_a_job_to_100_percent(
    migrated_site: Path, tmp_path: Path, empty_redis: str
):
    data_dir = migrated_copy(migrated_site, tmp_path / "site")
    env = site_env(data_dir, LAMELLA_TASK_BACKEND="rq", LAMELLA_REDIS_URL=empty_redis)
    job = run_selfcheck_through_a_worker(data_dir, env)
    assert (job["status"], job["progress"], job["error"]) == ("succeeded", 100, ""), job
    assert job["task_id"]
    assert job["worker_exit"] == 0, job["worker_output"]


def test_the_share_of_a_file_read_counts_a_child_process_reading_it(tmp_path: Path) -> None:
    """A large import's file is read by a parser process beside the import: its position is
    the progress bar's."""
    from lamella.jobs import live

    path = tmp_path / "big.geojson"
    path.write_bytes(b"x" * 100_000)
    assert live.input_read(str(path)) is None  # nobody has it open
    reader = subprocess.Popen(
        [
            "python3",
            "-c",
            "import sys, time; f = open(sys.argv[1], 'rb', buffering=0); f.read(25_000);"
            " print('ready', flush=True); time.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline() == b"ready\n"
        assert live.input_read(str(path)) == 0.25
    finally:
        reader.kill()
        reader.wait()
