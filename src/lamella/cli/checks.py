"""``lamella check``: one line per thing the server needs, "OK ..." or the problem."""

import importlib
import importlib.metadata
import tempfile
from collections.abc import Callable
from functools import partial

from lamella.cli import say, setup_django

# The imaging stack, in the order a problem matters most (OpenSlide reads most slides).
IMAGING_MODULES = (
    "openslide",
    "tifffile",
    "pyvips",
    "pydicom",
    "wsidicom",
    "nibabel",
    "imagecodecs",
)


class Problem(Exception):
    """What is wrong, in words an operator can act on."""


def check_database() -> str:
    from django.db import DatabaseError, connection
    from django.db.migrations.executor import MigrationExecutor

    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise Problem(f"cannot reach the database: {exc}") from exc
    where = connection.settings_dict["NAME"]
    pending = f", {len(plan)} migrations to apply (lamella serve applies them)" if plan else ""
    return f"database: {connection.vendor} {where}{pending}"


def check_data_dir() -> str:
    from django.conf import settings

    try:
        with tempfile.NamedTemporaryFile(dir=settings.DATA_DIR, prefix=".check-") as probe:
            probe.write(b"ok")
    except OSError as exc:
        raise Problem(f"data dir {settings.DATA_DIR} is not writable: {exc}") from exc
    return f"data dir: {settings.DATA_DIR} is writable"


def check_task_backend() -> str:
    from django.conf import settings

    backend = settings.TASK_BACKEND
    if backend == "rq":
        import django_rq
        from redis.exceptions import RedisError

        try:
            django_rq.get_connection("default").ping()
        except RedisError as exc:
            raise Problem(f"task backend rq: Redis at {settings.REDIS_URL}: {exc}") from exc
        return f"task backend: rq, Redis at {settings.REDIS_URL} answers"
    if backend == "database":
        from django.db import DatabaseError
        from django_tasks_db.models import DBTaskResult

        try:
            waiting = DBTaskResult.objects.ready().count()
        except DatabaseError as exc:
            raise Problem(f"task backend database: its table is unusable: {exc}") from exc
        return f"task backend: database, {waiting} tasks waiting"
    return f"task backend: {backend} (tasks run inline, no worker needed)"


def check_module(name: str) -> str:
    try:
        module = importlib.import_module(name)
    except (ImportError, OSError) as exc:
        # OSError: the Python package is there but its shared library is not.
        raise Problem(f"{name} cannot be imported: {exc}") from exc
    version = getattr(module, "__version__", None) or importlib.metadata.version(name)
    if name == "openslide":
        return f"openslide {version}, OpenSlide library {module.__library_version__}"
    if name == "pyvips":
        libvips = ".".join(str(module.version(part)) for part in range(3))
        return f"pyvips {version}, libvips {libvips}"
    return f"{name} {version}"


def run_checks() -> list[tuple[bool, str]]:
    """Every check, as (passed, line)."""
    checks: list[Callable[[], str]] = [check_database, check_data_dir, check_task_backend]
    checks += [partial(check_module, name) for name in IMAGING_MODULES]
    results = []
    for run in checks:
        try:
            results.append((True, f"OK {run()}"))
        except Problem as exc:
            results.append((False, f"PROBLEM {exc}"))
    return results


def check() -> int:
    """Print one line per check; 1 if anything is wrong."""
    setup_django()
    results = run_checks()
    for _, line in results:
        say(line)
    return 0 if all(passed for passed, _ in results) else 1
