"""Tiles over HTTP: ``lamella serve`` against a DeepZoomGenerator reference server, same load.

Run: .venv/bin/python benchmarks/tiles.py [--size 40000] [--duration 15] [--workers 2]
                                          [--repeat 3]

Slides: a generated N x N JPEG-tiled pyramid (pyvips, kept in --cache-dir so reruns skip it)
and CMU-1-Small-Region.svs from ../shared/testdata (skipped with a message when absent).
Lamella runs as ``lamella serve --no-worker`` on a fresh data dir, the slides ingested through
the upload service into a public image set (anonymous tile requests; ``--session`` sends an
administrator's session cookie with each, as a logged-in viewer would); the reference
(``benchmarks/reference_tile_server.py``) runs under granian with the same workers and threads.
Both get the same load from ``wrk`` (Debian package; one thread, 16 connections, loopback):
the same sequence of random (level, col, row) draws, levels chosen uniformly, tiles uniformly
within a level, mapped onto each server's own Deep Zoom grid (Lamella's native one, the
reference's 254/1). Prints tiles/s, p50 and p99 of each and the ratio. ``--finest 2`` keeps the
draws to the two finest levels (the per-tile work of both servers, without the low levels the
reference reads whole slides for). Each run follows a warm-up: Lamella keeps the tiles it had to
render per process, the reference keeps its open slides. ``--repeat N`` measures N rounds (each
server once per round, with the load average before it) and sums them up: on a machine shared
with other work, a single round says more about the neighbours than about the servers.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tiles_passthrough import CMU, generate_pyramid

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
PATHS_PER_SLIDE = 20_000
WRK_SCRIPT = """
local paths = {}
local next_index = 1
local headers = {}
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  if args[2] ~= nil and args[2] ~= "" then headers["Cookie"] = args[2] end
end
request = function()
  local path = paths[next_index]
  next_index = next_index % #paths + 1
  return wrk.format("GET", path, headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout, summary.bytes))
end
"""


@dataclass(frozen=True)
class Grid:
    """A Deep Zoom grid read from a DZI descriptor."""

    width: int
    height: int
    tile_size: int
    overlap: int

    @property
    def levels(self) -> int:
        return math.ceil(math.log2(max(self.width, self.height))) + 1

    def tiles(self, level: int) -> tuple[int, int]:
        scale = 2 ** (self.levels - 1 - level)
        width, height = math.ceil(self.width / scale), math.ceil(self.height / scale)
        return math.ceil(width / self.tile_size), math.ceil(height / self.tile_size)


@dataclass(frozen=True)
class Result:
    tiles_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    status_errors: int
    socket_errors: int
    kb_per_tile: float


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return bytes(response.read())


def wait_for(url: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> bytes:
    """The body of ``url`` once the server answers it (the server may still be starting)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with status {process.returncode} before {url}")
        try:
            return fetch(url)
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise SystemExit(f"no answer from {url} within {timeout:.0f} s")


def parse_dzi(xml: bytes) -> Grid:
    text = xml.decode()

    def number(name: str) -> int:
        found = re.search(rf'{name}="(\d+)"', text)
        if found is None:
            raise SystemExit(f"DZI without {name}: {text[:200]}")
        return int(found.group(1))

    return Grid(number("Width"), number("Height"), number("TileSize"), number("Overlap"))


def draws(count: int, seed: int) -> list[tuple[float, float, float]]:
    """(level, x, y) fractions in [0, 1): the same random tiles for both servers."""
    rng = random.Random(seed)
    return [(rng.random(), rng.random(), rng.random()) for _ in range(count)]


def tile_paths(
    grid: Grid, template: str, samples: list[tuple[float, float, float]], finest: int
) -> list[str]:
    """URL paths of the sampled tiles; ``finest`` > 0 keeps to that many of the finest levels."""
    paths = []
    lowest = grid.levels - finest if 0 < finest < grid.levels else 0
    for level_f, x_f, y_f in samples:
        level = lowest + int(level_f * (grid.levels - lowest))
        cols, rows = grid.tiles(level)
        paths.append(template.format(z=level, col=int(x_f * cols), row=int(y_f * rows)))
    return paths


def run_wrk(
    base: str, paths: list[str], work: Path, connections: int, seconds: float, cookie: str = ""
) -> Result:
    list_file = work / "paths.txt"
    list_file.write_text("\n".join(paths) + "\n")
    script = work / "random_tiles.lua"
    script.write_text(WRK_SCRIPT)
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
        "-s", str(script), base, "--", str(list_file), cookie,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = re.search(r"^RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$", output, re.M)
    if found is None:
        raise SystemExit(f"wrk printed no result:\n{output}")
    requests, duration_us, p50, p99, status, socket_errors, size = map(int, found.groups())
    return Result(
        requests / (duration_us / 1e6),
        p50 / 1000,
        p99 / 1000,
        requests,
        status,
        socket_errors,
        size / max(requests, 1) / 1024,
    )


def start_reference(
    slides: dict[str, Path], port: int, workers: int, threads: int
) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env["REFERENCE_SLIDES"] = os.pathsep.join(f"{name}={path}" for name, path in slides.items())
    env["PYTHONPATH"] = str(ROOT / "benchmarks")
    command = [
        PYTHON, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--no-ws",
        "--blocking-threads", str(threads),
        "reference_tile_server:application",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, process_group=0)


def lamella_environment(data_dir: Path, threads: int) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("LAMELLA_DATABASE_URL", None)  # SQLite in the fresh data dir
    env.update(
        LAMELLA_DATA_DIR=str(data_dir),
        LAMELLA_TASK_BACKEND="immediate",
        LAMELLA_ADMIN_PASSWORD="tilebench-admin",
        LAMELLA_SECRET_KEY="tilebench-not-secret",
        LAMELLA_LOG_LEVEL="WARNING",
        LAMELLA_WEB_THREADS=str(threads),
        DJANGO_SETTINGS_MODULE="lamella.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")])),
    )
    return env


def ingest_into_lamella(slides: dict[str, Path], env: dict[str, str]) -> dict[str, str]:
    """Upload and ingest the slides into a public set (in this process, through the services);
    returns each slide's versioned tile URL prefix."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    from lamella.cli import setup_django

    setup_django()
    from django.db import connections

    from lamella.accounts.models import Team, User
    from lamella.cli.prepare import prepare
    from lamella.images.models import Image, ImageSet
    from lamella.images.services import upload_images
    from lamella.tiles.selectors import checksum_prefix

    prepare()
    admin = User.objects.get(username="admin")
    team = Team.objects.create(name="tilebench")
    image_set = ImageSet.objects.create(name="tilebench", team=team, creator=admin, public=True)
    prefixes = {}
    for name, path in slides.items():
        (created,) = upload_images(user=admin, image_set=image_set, files=[(path.name, path)])
        image = Image.objects.get(pk=created.pk)
        if image.ingest_state != Image.IngestState.READY:
            raise SystemExit(f"{path.name} was not ingested: {image.ingest_error}")
        prefixes[name] = f"/api/v1/images/images/{image.pk}/{checksum_prefix(image)}/"
    connections.close_all()
    return prefixes


def session_cookie() -> str:
    """A ``Cookie`` header of a logged-in administrator (Django already set up by the ingest)."""
    from django.conf import settings
    from django.db import connections
    from django.test import Client

    from lamella.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="admin"))
    name = settings.SESSION_COOKIE_NAME
    connections.close_all()
    return f"{name}={client.cookies[name].value}"


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def print_result(server: str, result: Result) -> None:
    errors = ""
    if result.status_errors or result.socket_errors:
        errors = f", {result.status_errors} non-2xx, {result.socket_errors} socket errors"
    print(
        f"  {server:<9} {result.tiles_per_s:9.0f} tiles/s   p50 {result.p50_ms:7.2f} ms   "
        f"p99 {result.p99_ms:7.2f} ms   ({result.requests} tiles, "
        f"{result.kb_per_tile:.1f} KB/tile{errors})",
        flush=True,
    )


def run_round(
    plans: dict[str, tuple[str, list[str]]], work: Path, args: argparse.Namespace
) -> dict[str, Result]:
    """One measured run of each server, one after the other, printed with the load before."""
    load = os.getloadavg()[0]
    results = {
        server: run_wrk(base, paths, work, args.connections, args.duration, args.cookie)
        for server, (base, paths) in plans.items()
    }
    print(f"  load {load:.2f} before this round")
    for server, result in results.items():
        print_result(server, result)
    print(f"  ratio     {ratio(results):9.1f}x tiles/s", flush=True)
    return results


def ratio(results: dict[str, Result]) -> float:
    return results["lamella"].tiles_per_s / max(results["reference"].tiles_per_s, 1e-9)


def print_summary(rounds: list[dict[str, Result]]) -> None:
    """Over the rounds: each server's best throughput and p99, and the median ratio."""
    for server in rounds[0]:
        best = max(r[server].tiles_per_s for r in rounds)
        lowest = min(r[server].p99_ms for r in rounds)
        print(f"  {server:<9} best {best:9.0f} tiles/s, lowest p99 {lowest:7.2f} ms")
    print(f"  median ratio {statistics.median(ratio(r) for r in rounds):.1f}x over {len(rounds)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=40000, help="side of the generated pyramid")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds of load per run")
    parser.add_argument("--warmup", type=float, default=10.0, help="seconds of load before each")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--finest",
        type=int,
        default=0,
        help="draw levels only from this many of the finest (default: all levels)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="measured rounds per slide")
    parser.add_argument(
        "--session",
        action="store_true",
        help="send a logged-in session cookie with every tile (as the viewer does)",
    )
    parser.add_argument("--workers", type=int, default=2, help="web processes of each server")
    parser.add_argument(
        "--threads",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="WSGI threads per process of each server (default: 2 x cores + 1)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "lamella-tilebench",
        help="where the generated pyramid is kept between runs",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    generated = args.cache_dir / f"generated-{args.size}.tif"
    if not generated.exists():
        start = time.perf_counter()
        partial = generated.with_name(f".{generated.name}.partial.tif")
        generate_pyramid(partial, args.size)
        partial.replace(generated)
        print(f"generated {generated} in {time.perf_counter() - start:.1f} s")
    slides = {"generated": generated}
    if CMU.exists():
        slides["cmu"] = CMU
    else:
        print(f"{CMU} is absent: skipping the Aperio slide")

    work = Path(tempfile.mkdtemp(prefix="run-", dir=args.cache_dir))
    env = lamella_environment(work / "data", args.threads)
    prefixes = ingest_into_lamella(slides, env)
    args.cookie = session_cookie() if args.session else ""
    lamella_port, reference_port = free_port(), free_port()
    lamella = subprocess.Popen(
        [PYTHON, "-m", "lamella", "serve", "--no-worker", "--workers", str(args.workers),
         "--port", str(lamella_port)],
        env=env, process_group=0, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    reference = start_reference(slides, reference_port, args.workers, args.threads)
    try:
        servers = {
            "lamella": (f"http://127.0.0.1:{lamella_port}", lambda n: prefixes[n] + "dzi.dzi",
                        lambda n: prefixes[n] + "dzi_files/{z}/{col}_{row}.jpeg", lamella),
            "reference": (f"http://127.0.0.1:{reference_port}", lambda n: f"/{n}.dzi",
                          lambda n: f"/{n}_files/{{z}}/{{col}}_{{row}}.jpeg", reference),
        }  # fmt: skip
        print(
            f"{args.workers} workers x {args.threads} threads each, "
            f"wrk 1 thread x {args.connections} connections, "
            f"{args.duration:g} s per run after {args.warmup:g} s warm-up, "
            f"{f'the {args.finest} finest levels' if args.finest else 'all levels'}, "
            f"{'a session cookie' if args.session else 'anonymous'}; "
            f"load before: {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        for seed, name in enumerate(slides, start=1):
            samples = draws(PATHS_PER_SLIDE, seed)
            plans = {}
            for server, (base, dzi, tile, process) in servers.items():
                grid = parse_dzi(wait_for(base + dzi(name), process))
                if server == "lamella":
                    print(f"{slides[name].name}: {grid.width}x{grid.height}, "
                          f"Lamella {grid.tile_size}/{grid.overlap}, ", end="")  # fmt: skip
                else:
                    print(f"reference {grid.tile_size}/{grid.overlap}, {grid.levels} levels")
                plans[server] = (base, tile_paths(grid, tile(name), samples, args.finest))
                run_wrk(*plans[server], work, args.connections, args.warmup, args.cookie)
            rounds = [run_round(plans, work, args) for _ in range(args.repeat)]
            if len(rounds) > 1:
                print_summary(rounds)
        print(f"load after: {os.getloadavg()[0]:.2f}")
    finally:
        stop(lamella)
        stop(reference)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
