"""The viewer in headless Chromium with 100,000 polygons and with 1,000,000 points.

Usage (from the repo root; build the viewer first with ``npm run build``):

    .venv/bin/python benchmarks/viewer.py                    # SQLite in a temporary data dir
    .venv/bin/python benchmarks/viewer.py --postgres postgres://postgres@127.0.0.1:5432/postgres
    .venv/bin/python benchmarks/viewer.py --keep /tmp/vb-site  # reuse the site between runs

A child process gets a fresh data dir (and on PostgreSQL a database it creates and drops),
ingests two copies of a generated 100,000 x 80,000 px JPEG pyramid (kept in ``--cache-dir``),
writes ``--polygons`` polygons on one and ``--points`` points on the other through the bulk
service, and starts ``lamella serve --no-worker`` on a free port. Debian's Chromium, driven by
Playwright, logs in and opens each image in the viewer (WebGL through SwiftShader, the CPU
renderer headless Chromium has), then runs ``viewer_path.PATH`` (eight 1.5 s pan and zoom
steps from 2 to 80 image px per screen px), once with annotations and once with
``?annotations=off``, ``--repeat`` times each, alternating. It prints frames per second (median
over the repeats), the 95th percentile frame time, the time from each step's end until the
viewer has drawn the annotations of the new view (median and worst over all steps), and the CPU
seconds Chromium and the server used per run, with the load average: the machine is shared.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "src"), str(ROOT)]

from viewer_data import HEIGHT, PASSWORD, USERNAME, WIDTH, cached_slide, site  # noqa: E402
from viewer_path import Run, run_path, steps  # noqa: E402

# The tests' arguments (software compositing) plus WebGL through SwiftShader: without a GPU,
# Chromium otherwise leaves WebGL off.
SWIFTSHADER = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader"]
GL_RENDERER = """() => {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return 'no WebGL';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
}"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def server(env: dict[str, str]) -> Any:
    """``lamella serve --no-worker`` (granian, two workers) on a free port, stopped after."""
    import urllib.error
    import urllib.request

    port = free_port()
    command = [sys.executable, "-m", "lamella", "serve", "--no-worker", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v1/", timeout=20).close()
                break
            except (urllib.error.URLError, ConnectionError):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        for signum in (signal.SIGTERM, signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signum)
            try:
                process.wait(timeout=30)
                break
            except subprocess.TimeoutExpired:
                continue


def open_viewer(
    context: Any, url: str, image_id: int, annotations: bool, renderer: str | None
) -> tuple[Any, list[str]]:
    """The viewer page, ready, and the list its console errors and exceptions go to."""
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    params = {} if annotations else {"annotations": "off"}
    if renderer:
        params["renderer"] = renderer
    page.goto(f"{url}/images/{image_id}/view/?{urlencode(params)}")
    page.wait_for_selector("#viewer[data-ready=true]", state="attached", timeout=60_000)
    page.wait_for_function("window.lamellaViewer.map.getView().getResolution() > 0")
    return page, errors


def measure(url: str, images: dict[str, int], args: argparse.Namespace) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright
    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    width, height = args.viewport
    path_steps = steps(WIDTH, HEIGHT, args.viewport)
    chromium_args = CHROMIUM_ARGS + SWIFTSHADER
    results: dict[str, Any] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=chromium_args)
        context = browser.new_context(viewport={"width": width, "height": height})
        login = context.new_page()
        login.goto(f"{url}/accounts/login/")
        login.fill("input[name=username]", USERNAME)
        login.fill("input[name=password]", PASSWORD)
        login.click("button[type=submit]")
        login.wait_for_load_state("networkidle")
        results["gl"] = login.evaluate(GL_RENDERER)
        login.close()
        for name, image_id in images.items():
            if name not in args.images:
                continue
            runs: dict[bool, list[Run]] = {True: [], False: []}
            for _ in range(args.repeat):
                for annotations in (True, False):
                    page, errors = open_viewer(context, url, image_id, annotations, args.renderer)
                    results["renderer"] = page.evaluate("window.lamellaViewer.renderer")
                    runs[annotations].append(run_path(page, path_steps))
                    # Chromium asks for /favicon.ico by itself; that 404 is not the viewer's.
                    if errors := [e for e in errors if "404" not in e]:
                        raise SystemExit(f"errors in the viewer: {errors}")
                    page.close()
            results[name] = runs
            print(f"  {name}: done, load {os.getloadavg()[0]:.1f}", flush=True)
        browser.close()
    return results


def report(results: dict[str, Any], args: argparse.Namespace, counts: dict[str, int]) -> None:
    print(f"\nannotations drawn by the {results['renderer']} renderer; WebGL: {results['gl']}")
    print(f"viewport {args.viewport[0]}x{args.viewport[1]},", end=" ")
    print(f"{len(steps(WIDTH, HEIGHT, args.viewport))} steps of 1.5 s, {args.repeat} runs each")
    header = f"{'image':<18}{'fps on':>8}{'fps off':>8}{'ratio':>7}{'p95 frame on/off':>18}"
    print(header + f"{'first annotations':>22}{'CPU s/run browser, server':>28}")
    for name, runs in results.items():
        if name in ("gl", "renderer"):
            continue
        on, off = runs[True], runs[False]
        fps_on = statistics.median(run.fps for run in on)
        fps_off = statistics.median(run.fps for run in off)
        p95 = f"{statistics.median(r.p95_frame_ms for r in on):.0f}/"
        p95 += f"{statistics.median(r.p95_frame_ms for r in off):.0f} ms"
        settles = [ms for run in on for ms in run.settles_ms]
        shown = [ms for ms in settles if ms is not None]
        late = len(settles) - len(shown)
        first = f"{statistics.median(shown):.0f} / {max(shown):.0f} ms" if shown else "-"
        first += f" ({late} never)" if late else ""
        cpu = f"{statistics.median(r.browser_cpu_s for r in on):.1f}, "
        cpu += f"{statistics.median(r.server_cpu_s for r in on):.1f} (off "
        cpu += f"{statistics.median(r.browser_cpu_s for r in off):.1f}, "
        cpu += f"{statistics.median(r.server_cpu_s for r in off):.1f})"
        label = f"{counts[name]:,} {name}"
        print(f"{label:<18}{fps_on:>8.1f}{fps_off:>8.1f}{fps_on / fps_off:>7.2f}{p95:>18}", end="")
        print(f"{first:>22}{cpu:>28}")
        opened = [run.opened_ms for run in on if run.opened_ms is not None]
        if opened:
            print(f"{'':<18}page opened to first annotations: {statistics.median(opened):.0f} ms")
        for number, run in enumerate(on, start=1):
            steps_text = ", ".join(run.modes)
            print(f"{'':<4}run {number}, each step (mode, count, first annotations): {steps_text}")
    print("first annotations: median / worst over the steps, from a step's end to drawn")
    print(f"load average (1, 5, 15 min): {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


def run_child(args: argparse.Namespace) -> int:
    import django

    django.setup()
    data_dir = Path(os.environ["LAMELLA_DATA_DIR"])
    slide = cached_slide(args.cache_dir)
    start = time.perf_counter()
    images = site(data_dir, slide, args.polygons, args.points, args.seed)
    print(f"site ready in {time.perf_counter() - start:.0f} s", flush=True)
    from django.db import connections

    connections.close_all()
    print(f"load before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}", flush=True)
    with server(dict(os.environ)) as url:
        results = measure(url, images, args)
    report(results, args, {"polygons": args.polygons, "points": args.points})
    return 0


def child_env(data_dir: str, database_url: str | None) -> dict[str, str]:
    env = dict(os.environ, LAMELLA_DATA_DIR=data_dir, DJANGO_SETTINGS_MODULE="lamella.settings")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    env.update(LAMELLA_TASK_BACKEND="immediate", LAMELLA_LOG_LEVEL="WARNING")
    env.update(LAMELLA_SECRET_KEY="viewerbench-not-secret", LAMELLA_ADMIN_PASSWORD="viewerbench")
    env.pop("LAMELLA_DATABASE_URL", None)
    if database_url:
        env["LAMELLA_DATABASE_URL"] = database_url
    return env


def run_postgres(url: str, argv: list[str]) -> int:
    import psycopg

    name = f"lamella_bench_viewer_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        base = url.rsplit("/", 1)[0]
        with tempfile.TemporaryDirectory() as data_dir:
            return subprocess.call(argv, env=child_env(data_dir, f"{base}/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def viewport(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    return int(width), int(height)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--polygons", type=int, default=100_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=2, help="runs of the path, each mode")
    parser.add_argument("--viewport", type=viewport, default=(1280, 800), help="WxH in px")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--images", default="polygons,points", help="which images to open")
    parser.add_argument("--renderer", choices=["webgl", "canvas"], help="force the viewer's")
    parser.add_argument("--postgres", help="a PostgreSQL server URL: run there, not on SQLite")
    parser.add_argument("--keep", type=Path, help="SQLite data dir to build once and reuse")
    parser.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "lamella-viewerbench"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_child(args)
    cached_slide(args.cache_dir)  # generated once, before any timing
    argv = [sys.executable, __file__, "--child", "--polygons", str(args.polygons)]
    argv += ["--points", str(args.points), "--repeat", str(args.repeat), "--seed", str(args.seed)]
    argv += ["--viewport", "x".join(map(str, args.viewport)), "--cache-dir", str(args.cache_dir)]
    argv += ["--images", args.images] + (["--renderer", args.renderer] if args.renderer else [])
    if args.postgres:
        return run_postgres(args.postgres, argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        return subprocess.call(argv, env=child_env(str(args.keep), None))
    with tempfile.TemporaryDirectory() as data_dir:
        return subprocess.call(argv, env=child_env(data_dir, None))


if __name__ == "__main__":
    sys.exit(main())
