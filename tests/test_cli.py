"""The ``lamella`` command, run in this process against the test database."""

import signal
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from lamella.cli import main
from lamella.cli import prepare as prepare_module
from lamella.cli.checks import IMAGING_MODULES
from lamella.cli.serve import Supervisor
from lamella.jobs.models import Job
from tests import factories

User = get_user_model()
# Whatever LAMELLA_TASK_BACKEND this run has, the enqueue test runs its task inline.
INLINE_TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["default", "ingest", "plugins"],
    }
}


def test_help_names_every_command(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    shown = capsys.readouterr().out
    for command in ("serve", "worker", "createuser", "enqueue", "check", "manage"):
        assert command in shown


def test_createuser_adds_a_user_who_can_log_in(db: None, capsys: pytest.CaptureFixture[str]):
    assert main(["createuser", "alice", "--password", "s3cret pass", "--email", "a@x.org"]) == 0
    alice = User.objects.get(username="alice")
    assert alice.check_password("s3cret pass")
    assert (alice.email, alice.is_superuser) == ("a@x.org", False)
    assert "Created user alice." in capsys.readouterr().out


def test_createuser_superuser_makes_a_site_administrator(db: None):
    assert main(["createuser", "root", "--password", "pw", "--superuser"]) == 0
    root = User.objects.get(username="root")
    assert root.is_superuser and root.is_staff


def test_createuser_refuses_a_name_that_is_taken(db: None, capsys: pytest.CaptureFixture[str]):
    factories.make_user("bob")
    assert main(["createuser", "bob", "--password", "pw"]) == 1
    assert "exists already" in capsys.readouterr().out
    assert User.objects.filter(username="bob").count() == 1


def test_createuser_without_a_terminal_generates_and_prints_a_password(
    db: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    assert main(["createuser", "carol"]) == 0
    line = next(
        line for line in capsys.readouterr().out.splitlines() if line.startswith("Generated")
    )
    assert User.objects.get(username="carol").check_password(line.rsplit(" ", 1)[1])


def test_check_says_ok_for_everything_on_a_healthy_site(
    db: None, capsys: pytest.CaptureFixture[str]
):
    assert main(["check"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(line.startswith("OK ") for line in lines), lines
    assert any(line.startswith("OK database: ") for line in lines)
    assert any(line.startswith("OK data dir: ") for line in lines)
    assert any(line.startswith("OK task backend: ") for line in lines)
    for module in IMAGING_MODULES:
        assert any(line.startswith(f"OK {module} ") for line in lines), module
    assert any("OpenSlide library" in line for line in lines)


def test_check_reports_an_unwritable_data_dir_and_exits_1(
    db: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    with override_settings(DATA_DIR=tmp_path / "missing"):
        assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert f"PROBLEM data dir {tmp_path / 'missing'} is not writable" in out


def test_check_reports_unreachable_redis_on_the_rq_backend(
    db: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    import django_rq
    from redis.exceptions import ConnectionError as RedisConnectionError

    def refuse(name: str = "default") -> Any:
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(django_rq, "get_connection", refuse)
    with override_settings(TASK_BACKEND="rq"):
        assert main(["check"]) == 1
    assert "PROBLEM task backend rq: Redis at" in capsys.readouterr().out


def test_the_first_admin_is_created_only_when_there_is_no_user(
    db: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.setenv("LAMELLA_ADMIN_PASSWORD", "first admin pw")
    with override_settings(DATA_DIR=tmp_path):
        shown = prepare_module.ensure_first_admin()
        assert shown is not None and "Created the first administrator 'admin'" in shown
        assert prepare_module.ensure_first_admin() is None
    admin = User.objects.get()
    assert admin.username == "admin" and admin.is_superuser
    assert admin.check_password("first admin pw")
    assert not (tmp_path / "admin_password.txt").exists()


def test_no_admin_is_created_when_a_user_exists(db: None, tmp_path: Path):
    factories.make_user("someone")
    with override_settings(DATA_DIR=tmp_path):
        assert prepare_module.ensure_first_admin() is None
    assert not User.objects.filter(username="admin").exists()


def test_a_generated_admin_password_is_printed_and_kept_in_a_private_file(
    db: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    monkeypatch.delenv("LAMELLA_ADMIN_PASSWORD", raising=False)
    with override_settings(DATA_DIR=tmp_path):
        shown = prepare_module.ensure_first_admin()
    kept = tmp_path / "admin_password.txt"
    password = kept.read_text().strip()
    assert shown is not None and password in shown
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert User.objects.get(username="admin").check_password(password)


def test_migrations_are_skipped_when_the_database_is_up_to_date(db: None):
    assert prepare_module.migrate_if_needed() == 0


def test_static_files_are_collected_only_when_their_sources_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    with override_settings(STATIC_ROOT=tmp_path / "static"):
        assert prepare_module.collectstatic_if_needed() is True
        assert (tmp_path / "static" / "admin").is_dir()
        assert prepare_module.collectstatic_if_needed() is False
        monkeypatch.setattr(prepare_module, "static_fingerprint", lambda: "changed")
        assert prepare_module.collectstatic_if_needed() is True


def test_enqueue_waits_for_the_job_and_reports_its_end(
    transactional_db: None, capsys: pytest.CaptureFixture[str]
):
    # transactional_db: outside a test transaction the task is enqueued (and run inline) at once.
    with override_settings(TASKS=INLINE_TASKS):
        assert main(["enqueue", "selfcheck", "--wait", "--timeout", "10"]) == 0
    out = capsys.readouterr().out
    job = Job.objects.get()
    assert f"job {job.pk} succeeded 100 %" in out


def test_enqueue_refuses_params_that_are_not_a_json_object(
    db: None, capsys: pytest.CaptureFixture[str]
):
    assert main(["enqueue", "selfcheck", "--params", "[1]"]) == 2
    assert main(["enqueue", "selfcheck", "--params", "{oops"]) == 2
    assert main(["enqueue", "no-such-kind"]) == 2
    assert "unknown job kind" in capsys.readouterr().out
    assert not Job.objects.exists()


def test_a_worker_has_nothing_to_do_when_tasks_run_inline(capsys: pytest.CaptureFixture[str]):
    with override_settings(TASK_BACKEND="immediate"):
        assert main(["worker"]) == 2
    assert "nothing for a worker to do" in capsys.readouterr().out


def test_manage_passes_commands_through_to_django(db: None, capsys: pytest.CaptureFixture[str]):
    assert main(["manage", "showmigrations", "jobs"]) == 0
    assert "[X] 0001_initial" in capsys.readouterr().out


def test_the_supervisor_stops_the_others_when_one_child_dies():
    previous = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    commands = {
        "quitter": [sys.executable, "-c", "raise SystemExit(3)"],
        "sleeper": [sys.executable, "-c", "import time; time.sleep(60)"],
    }
    supervisor = Supervisor(commands, env={})
    try:
        assert supervisor.run() == 3
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    assert supervisor.children["sleeper"].returncode == -signal.SIGTERM
