"""What ``lamella serve`` does before serving: migrate, collect static files, first admin.

Each step first checks whether it has anything to do, so a second start costs little more than
importing Django.
"""

import hashlib
import os
import secrets
from pathlib import Path

from lamella.cli import say

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD_FILE = "admin_password.txt"
STATIC_STAMP = ".lamella-static-stamp"


def migrate_if_needed() -> int:
    """Apply unapplied migrations; returns how many there were."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        say(f"Applying {len(plan)} database migrations ...")
        call_command("migrate", interactive=False, verbosity=0)
    return len(plan)


def static_fingerprint() -> str:
    """A digest of every static source file's path, size and modification time."""
    from django.contrib.staticfiles.finders import get_finders

    entries = []
    # The patterns collectstatic ignores by default.
    for finder in get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            stat = Path(storage.path(path)).stat()
            entries.append(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def collectstatic_if_needed() -> bool:
    """Collect static files unless the sources are unchanged since the last collection."""
    from django.conf import settings
    from django.core.management import call_command

    stamp = Path(settings.STATIC_ROOT) / STATIC_STAMP
    fingerprint = static_fingerprint()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return False
    say("Collecting static files ...")
    call_command("collectstatic", interactive=False, verbosity=0)
    stamp.write_text(fingerprint)
    return True


def ensure_first_admin() -> str | None:
    """Create the superuser ``admin`` if there is no user at all; returns a line to print.

    The password is ``LAMELLA_ADMIN_PASSWORD`` if set; otherwise one is generated, printed
    once and kept in DATA_DIR/admin_password.txt (mode 0600) for whoever missed the output.
    """
    from django.conf import settings
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    if user_model.objects.exists():
        return None
    password = os.environ.get("LAMELLA_ADMIN_PASSWORD")
    if password:
        user_model.objects.create_superuser(username=ADMIN_USERNAME, email="", password=password)
        return f"Created the first administrator {ADMIN_USERNAME!r} (LAMELLA_ADMIN_PASSWORD)."
    password = secrets.token_urlsafe(12)
    user_model.objects.create_superuser(username=ADMIN_USERNAME, email="", password=password)
    path = Path(settings.DATA_DIR) / ADMIN_PASSWORD_FILE
    # Created with 0600 from the start: the password is never readable by others.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(password + "\n")
    path.chmod(0o600)
    return (
        f"Created the first administrator {ADMIN_USERNAME!r} with password {password}\n"
        f"(also kept in {path}; change it after logging in)."
    )


def prepare() -> None:
    """Bring the database and static files up to date and make sure someone can log in."""
    migrate_if_needed()
    collectstatic_if_needed()
    if line := ensure_first_admin():
        say(line)
