"""Schemathesis against a real Lamella server for five minutes; prints requests and server errors.

Usage (from the repo root):

    .venv/bin/python benchmarks/fuzz_api.py                  # 240 s as a member, 60 s anonymous
    .venv/bin/python benchmarks/fuzz_api.py --member-seconds 30 --anonymous-seconds 10

A fresh data dir (SQLite) and ``lamella serve --no-worker`` on a free loopback port; the world of
``tests/api/fuzz/seed.py`` (team, private and public sets, products, types, images, annotations,
a verification). Schemathesis reads ``/api/v1/openapi`` and runs its phases (examples, coverage,
fuzzing, stateful) with the ``not_a_server_error`` check, first as the team member, then with no
credentials. The member authenticates with a Bearer token by default: Basic auth hashes the
password (PBKDF2, ~1 s here) on every request, which would leave ~300 requests in five minutes;
``--basic`` uses it anyway. Token revocation and logout are excluded, or the run would sign itself
out in its first seconds. Exit status 1 when any response was a 5xx.

``make bench`` runs it with the rest of ``benchmarks/``; ``make test`` runs only the short,
seeded variant in ``tests/api/fuzz/``. ``--checks`` adds schemathesis checks, e.g.
``not_a_server_error,response_schema_conformance``; failed checks are counted and listed.
"""

import argparse
import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# Signing out mid-run would turn every later request into a 401.
EXCLUDE = r"(auth/token/logout|users/tokens)"
CONFIG = """\
[dictionaries.ids]
values = [1, 2, 3, 4, 5, 6]

[parameters]
"path.id" = { dictionary = "ids", probability = 0.5 }
"query.image" = { dictionary = "ids", probability = 0.5 }
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(env: dict[str, str], port: int) -> Iterator[str]:
    """``lamella serve --no-worker`` until the block ends; yields the base URL."""
    base = f"http://127.0.0.1:{port}"
    command = [str(BIN / "lamella"), "serve", "--no-worker", "--port", str(port)]
    log = (Path(env["LAMELLA_DATA_DIR"]) / "serve.log").open("wb")  # closed in finally
    process = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v1/openapi", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"server did not start; see {log.name}") from None
                time.sleep(0.5)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def seed(env: dict[str, str]) -> str:
    """Write the fuzz world into the server's database; returns the member's Bearer token."""
    code = (
        "import django; django.setup()\n"
        "from tests.api.fuzz.seed import seed\n"
        "print(seed().member_token)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return done.stdout.strip().splitlines()[-1]


def fuzz(
    base: str, seconds: int, headers: list[str], report_dir: Path, config: Path, checks: str
) -> Counter[str]:
    """One schemathesis run; counts of requests, 5xx responses and failed checks."""
    command = [
        str(BIN / "st"), "--config-file", str(config), "run", f"{base}/api/v1/openapi",
        "--checks", checks, "--max-time", str(seconds), "--workers", "1",
        "--request-timeout", "30", "--exclude-path-regex", EXCLUDE, "--continue-on-failure",
        "--report", "ndjson", "--report-dir", str(report_dir),
    ]  # fmt: skip
    for header in headers:
        command += ["--header", header]
    subprocess.run(command, cwd=report_dir, check=False, stdout=subprocess.DEVNULL)
    counts: Counter[str] = Counter()
    for report in report_dir.glob("*.ndjson"):
        for line in report.read_text().splitlines():
            scenario = json.loads(line).get("ScenarioFinished")
            if not scenario:
                continue
            for results in (scenario["recorder"].get("checks") or {}).values():
                for check in results:
                    if check.get("status") == "failure":
                        counts[f"failed {check['name']}"] += 1
                        label = scenario["recorder"]["label"]
                        failure = check.get("failure_info") or {}
                        title = (failure.get("failure") or {}).get("title", "")
                        print(f"  {check['name']}: {label}: {title}", file=sys.stderr)
            for interaction in (scenario["recorder"].get("interactions") or {}).values():
                response = interaction.get("response") or {}
                counts["requests"] += 1
                if response.get("status_code", 0) >= 500:
                    counts["server errors"] += 1
                    request = interaction["request"]
                    print("  5xx:", request["method"], request["uri"], file=sys.stderr)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--member-seconds", type=int, default=240)
    parser.add_argument("--anonymous-seconds", type=int, default=60)
    parser.add_argument("--basic", action="store_true", help="Basic auth instead of a token")
    parser.add_argument(
        "--checks",
        default="not_a_server_error",
        help="schemathesis checks, comma-separated (e.g. add response_schema_conformance)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lamella-fuzz-") as tmp:
        work = Path(tmp)
        env = {
            **os.environ,
            "LAMELLA_DATA_DIR": str(work / "data"),
            "LAMELLA_ADMIN_PASSWORD": "fuzz-admin-password",
            "DJANGO_SETTINGS_MODULE": "lamella.settings",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        }
        env.pop("LAMELLA_DATABASE_URL", None)
        (work / "data").mkdir()
        config = work / "schemathesis.toml"
        config.write_text(CONFIG)
        with server(env, free_port()) as base:
            token = seed(env)
            if args.basic:
                from tests.api.fuzz.seed import MEMBER, PASSWORD

                basic = base64.b64encode(f"{MEMBER}:{PASSWORD}".encode()).decode()
                member = [f"Authorization: Basic {basic}"]
            else:
                member = [f"Authorization: Bearer {token}"]
            total: Counter[str] = Counter()
            for name, seconds, headers in (
                ("member", args.member_seconds, member),
                ("anonymous", args.anonymous_seconds, []),
            ):
                if seconds <= 0:
                    continue
                (work / name).mkdir()
                started = time.monotonic()
                counts = fuzz(base, seconds, headers, work / name, config, args.checks)
                elapsed = time.monotonic() - started
                print(
                    f"{name:<10} {elapsed:6.0f} s  {counts['requests']:6d} requests  "
                    f"{counts['server errors']:3d} server errors"
                )
                for key, value in sorted(counts.items()):
                    if key.startswith("failed "):
                        print(f"{'':10} {value:6d} x {key}")
                total += counts
    print(
        f"{'total':<10} {'':8} {total['requests']:6d} requests  "
        f"{total['server errors']:3d} server errors"
    )
    return 1 if total["server errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
