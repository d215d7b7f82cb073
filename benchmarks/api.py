"""The REST API with many annotations on one image, next to EXACT's measured figures.

Usage (from the repo root):

    .venv/bin/python benchmarks/api.py            # SQLite, then PostgreSQL at 127.0.0.1:5432
    .venv/bin/python benchmarks/api.py --postgres ''                 # SQLite only
    .venv/bin/python benchmarks/api.py --no-sqlite                   # PostgreSQL only
    .venv/bin/python benchmarks/api.py --stream-count 100000         # a quicker run

Each backend runs in its own process with a fresh database (a temporary SQLite file in a
temporary data dir; on PostgreSQL a database this script creates and drops) and a real server:
granian with two WSGI workers (``lamella serve``'s command line) on a free port. Requests go
over HTTP with ``requests`` and a Bearer token, as a team member (not a superuser).

With ``--count`` (10,000) box annotations on one image it times: one bulk-create POST; listing
them all as exact-sync's ``list_annotations(pagination=False)`` does (first page, then every
``offset`` with the default page size 50, sequentially); one ``limit=10000`` GET; the NDJSON
stream. Then ``--stream-count`` (1,000,000) annotations are written to a second image through
the bulk service (not timed against a goal) and read through the stream: NDJSON, columnar with
every field, and columnar with the viewer's three. Stream timings end when the last byte has
arrived (the client counts, it does not decode). EXACT's figures were measured on its own server
(runserver, PostgreSQL, 2-core VM). The machine's load average is printed with the table: other
work on the same cores slows every figure.
"""

import argparse
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
STREAM = "/api/v1/annotations/annotations/stream/"
LIST = "/api/v1/annotations/annotations/"
CHUNK = 100_000
VIEWER_FIELDS = "id,annotation_type,vector"
# operation: (EXACT's seconds or None, Lamella's goal in seconds)
REFERENCE: dict[str, tuple[float | None, float | None]] = {
    "bulk create (one POST)": (28.1, 1.0),
    "paginated list (pages of 50)": (84.0, 5.0),
    "one GET limit=10000": (24.2, 0.5),
    "stream NDJSON": (None, None),
    "stream 1M NDJSON": (None, 10.0),
    "stream 1M columnar": (None, 10.0),
    "stream 1M columnar, 3 fields": (None, None),
    "insert 1M (bulk service)": (None, None),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """granian on a free port, as ``lamella serve --no-worker`` runs it; waits until it answers."""
    import requests

    from lamella.cli.serve import web_command

    port = free_port()
    command = web_command(host="127.0.0.1", port=port, workers=2)
    # A file, not a pipe: nobody reads it while the server runs. Closed with the process.
    log = tempfile.TemporaryFile()  # noqa: SIM115
    server = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/api/v1/", timeout=20)
            return server, url
        except (requests.ConnectionError, requests.Timeout):
            if server.poll() is not None:
                log.seek(0)
                raise SystemExit(f"server exited: {log.read().decode()[-2000:]}") from None
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("the server did not answer within 60 s")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM to granian's process group, SIGKILL if it lingers (it respawns dead workers)."""
    for signum in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signum)
        try:
            server.wait(timeout=15)
            return
        except subprocess.TimeoutExpired:
            continue


def box_items(count: int, image_id: int, type_id: int) -> list[dict[str, Any]]:
    """Boxes on a grid, as exact-sync's ``Annotation`` objects serialise."""
    return [
        {
            "image": image_id,
            "annotation_type": type_id,
            "vector": {"x1": x, "y1": y, "x2": x + 100, "y2": y + 80},
            "uploaded_media_files": [],
            "annotationversion_set": [],
        }
        for n in range(count)
        for x, y in [(100 + n % 300 * 300, 100 + n // 300 % 390 * 200)]
    ]


def list_like_exact_sync(session: Any, url: str, image_id: int) -> int:
    """``PaginationBaseAPI._get_all``: page 1, then offsets o, 2o, ... < count without limit."""
    first = session.get(f"{url}{LIST}", params={"image": image_id}).json()
    results = list(first["results"])
    if first["next"]:
        step = int(re.findall(r"offset=([0-9]*)", first["next"])[0])
        for offset in range(step, first["count"], step):
            page = session.get(f"{url}{LIST}", params={"image": image_id, "offset": offset})
            results += page.json()["results"]
    return len(results)


def bulk_post(session: Any, url: str, body: list[dict[str, Any]]) -> int:
    response = session.post(f"{url}{LIST}", json=body)
    response.raise_for_status()
    return len(response.json())


def list_in_one_request(session: Any, url: str, image_id: int, limit: int) -> int:
    response = session.get(f"{url}{LIST}", params={"image": image_id, "limit": limit})
    response.raise_for_status()
    return len(response.json()["results"])


def stream_lines(session: Any, url: str, image_id: int) -> int:
    with session.get(f"{url}{STREAM}", params={"image": image_id}, stream=True) as response:
        response.raise_for_status()
        return sum(chunk.count(b"\n") for chunk in response.iter_content(1 << 20))


def stream_columnar(session: Any, url: str, image_id: int, fields: str | None = None) -> int:
    """Reads the whole answer; the count is taken from its head (``{"count":N,...``)."""
    params = {"image": image_id, "format": "columnar", "fields": fields}
    with session.get(f"{url}{STREAM}", params=params, stream=True) as response:
        response.raise_for_status()
        chunks = response.iter_content(1 << 20)
        head = next(chunks)
        for _chunk in chunks:
            pass
    return int(re.findall(rb'"count":([0-9]+)', head[:100])[0])


def warm_up(session: Any, url: str, image_id: int) -> None:
    """One request of each kind on the session's own connection, untimed: granian hands each
    connection to one worker, and a worker's first request imports the views and opens the
    database, which is start-up cost, not the API's."""
    for path in (LIST, STREAM, f"{LIST}count/"):
        session.get(f"{url}{path}", params={"image": image_id}).raise_for_status()


def group_cpu_seconds(group: int) -> float:
    """User + system CPU of every live process in process group ``group`` (the server and its
    workers), from /proc; 0 where /proc is absent."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[2]) == group:  # fields after "(comm)": state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def timed(
    results: dict[str, float], name: str, expected: int, call: Any, server: int | None = None
) -> None:
    """Wall time of ``call``, and with ``server`` (its process group) the server's CPU time
    under ``cpu:<name>``: on a shared machine the steadier figure."""
    cpu = group_cpu_seconds(server) if server else 0.0
    start = time.perf_counter()
    got = call()
    results[name] = time.perf_counter() - start
    if server:
        results[f"cpu:{name}"] = group_cpu_seconds(server) - cpu
    if got != expected:
        raise SystemExit(f"{name}: expected {expected} annotations, got {got}")


def run_backend(count: int, stream_count: int) -> dict[str, float]:
    import django

    django.setup()
    import requests
    from django.core.management import call_command
    from tests import factories

    from lamella.annotations.services import bulk_create_annotations
    from lamella.api.tokens import issue_token

    call_command("migrate", verbosity=0)
    owner, member = factories.make_user("bench-owner"), factories.make_user("bench-member")
    team = factories.make_team(admin=owner, members=(member,))
    image_set = factories.make_image_set(team=team, creator=owner)
    small = factories.make_image(image_set=image_set, width=100_000, height=80_000)
    large = factories.make_image(image_set=image_set, width=100_000, height=80_000)
    product = factories.make_product(team=team, image_sets=(image_set,))
    box_type = factories.make_annotation_type(product=product, vector_type=1)
    _, token = issue_token(user=member, name="benchmark")

    server, url = start_server(dict(os.environ))
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    results: dict[str, float] = {}
    try:
        warm_up(session, url, small.pk)
        body = box_items(count, small.pk, box_type.pk)
        timed(
            results,
            "bulk create (one POST)",
            count,
            lambda: bulk_post(session, url, body),
            server.pid,
        )
        exact_sync = lambda: list_like_exact_sync(session, url, small.pk)  # noqa: E731
        timed(results, "paginated list (pages of 50)", count, exact_sync, server.pid)
        one_get = lambda: list_in_one_request(session, url, small.pk, count)  # noqa: E731
        timed(results, "one GET limit=10000", count, one_get, server.pid)
        timed(
            results,
            "stream NDJSON",
            count,
            lambda: stream_lines(session, url, small.pk),
            server.pid,
        )

        start = time.perf_counter()
        for offset in range(0, stream_count, CHUNK):
            items = box_items(min(CHUNK, stream_count - offset), large.pk, box_type.pk)
            bulk_create_annotations(user=member, items=items, return_annotations=False)
        results["insert 1M (bulk service)"] = time.perf_counter() - start
        ndjson = lambda: stream_lines(session, url, large.pk)  # noqa: E731
        timed(results, "stream 1M NDJSON", stream_count, ndjson, server.pid)
        columnar = lambda: stream_columnar(session, url, large.pk)  # noqa: E731
        timed(results, "stream 1M columnar", stream_count, columnar, server.pid)
        viewer = lambda: stream_columnar(session, url, large.pk, VIEWER_FIELDS)  # noqa: E731
        timed(results, "stream 1M columnar, 3 fields", stream_count, viewer, server.pid)
    finally:
        stop_server(server)
    return results


def child_env(data_dir: str, database_url: str | None) -> dict[str, str]:
    env = dict(os.environ, LAMELLA_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="lamella.settings")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    env["LAMELLA_TASK_BACKEND"] = "immediate"
    env.pop("LAMELLA_DATABASE_URL", None)
    if database_url:
        env["LAMELLA_DATABASE_URL"] = database_url
    return env


def run_child(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([*argv, "--child", out.name], env=env, check=True)
        return dict(json.loads(Path(out.name).read_text()))


def run_postgres(url: str, argv: list[str]) -> dict[str, float]:
    import psycopg

    name = f"lamella_bench_api_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        base = url.rsplit("/", 1)[0]
        with tempfile.TemporaryDirectory() as data_dir:
            return run_child(argv, child_env(data_dir, f"{base}/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(columns: dict[str, dict[str, float]], count: int, stream_count: int) -> None:
    print(f"{count:,} box annotations on one image; then {stream_count:,} through the stream")
    print(
        "load average (1, 5, 15 min) at the end: " + ", ".join(f"{v:.1f}" for v in os.getloadavg())
    )
    header = f"{'operation':<30}" + "".join(f"{name:>12}" for name in columns)
    print(f"{header}{'EXACT':>9}{'ratio':>18}{'goal':>8}")
    for operation, (exact, goal) in REFERENCE.items():
        figures = [results.get(operation) for results in columns.values()]
        cells = "".join(f"{f:>11.2f}s" if f is not None else f"{'-':>12}" for f in figures)
        known = [f for f in figures if f]
        ratio = " / ".join(f"{exact / f:.0f}x" for f in known) if exact and known else "-"
        met = "" if goal is None else ("ok" if all(f <= goal for f in known) else "MISSED")
        exact_cell = f"{exact:.1f}s" if exact else "-"
        goal_cell = f"<={goal:g}s {met}" if goal else ""
        print(f"{operation:<30}{cells}{exact_cell:>9}{ratio:>18}  {goal_cell}")
    print("CPU seconds of the web server (granian and its workers; not the database server):")
    for operation in REFERENCE:
        figures = [results.get(f"cpu:{operation}") for results in columns.values()]
        if any(f is not None for f in figures):
            cells = "".join(f"{f:>11.2f}s" if f is not None else f"{'-':>12}" for f in figures)
            print(f"{operation:<30}{cells}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--stream-count", type=int, default=1_000_000)
    parser.add_argument("--postgres", default=POSTGRES, help="server URL ('' to skip)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        results = run_backend(args.count, args.stream_count)
        Path(args.child).write_text(json.dumps(results))
        return 0
    argv = [sys.executable, __file__, "--count", str(args.count)]
    argv += ["--stream-count", str(args.stream_count)]
    columns: dict[str, dict[str, float]] = {}
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as data_dir:
            columns["SQLite"] = run_child(argv, child_env(data_dir, None))
    if args.postgres:
        columns["PostgreSQL"] = run_postgres(args.postgres, argv)
    report(columns, args.count, args.stream_count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
