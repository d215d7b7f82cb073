"""Make the README's screenshots of the viewer and the verification view, at 1440x900.

    .venv/bin/python docs/screenshots/make_screenshots.py [--out docs/screenshots]

A throwaway data dir (SQLite, tasks run inline) gets the data of ``seed.py``; a real server
(``lamella serve``'s granian command) serves it; Debian's Chromium, driven by Playwright,
logs in and takes the pictures. Nothing outside the temporary directory is touched except
the PNG files written to ``--out``.
"""

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SLIDE = ROOT.parent / "shared/testdata/aperio-cmu-small-region/CMU-1-Small-Region.svs"
CHROMIUM = "/usr/bin/chromium"
SIZE = {"width": 1440, "height": 900}


def prepare(data_dir: Path) -> None:
    """Point Django at ``data_dir`` and migrate it; tasks run inline so ingest is done at once."""
    os.environ.update(
        LAMELLA_DATA_DIR=str(data_dir),
        LAMELLA_TASK_BACKEND="immediate",
        DJANGO_SETTINGS_MODULE="lamella.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
    )
    os.environ.pop("LAMELLA_DATABASE_URL", None)
    sys.path[:0] = [str(ROOT / "src"), str(HERE)]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)


@contextlib.contextmanager
def server() -> Iterator[str]:
    """granian on a free port with this process's environment, until the block ends."""
    import socket

    from lamella.cli.serve import web_command

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        web_command(host="127.0.0.1", port=port, workers=1),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/accounts/login/", timeout=10).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise SystemExit(f"the server did not start: {log.read()[-2000:]!r}") from None
                time.sleep(0.2)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def shrink(path: Path) -> None:
    """256 colours, dithered: a slide photo drops from ~1.7 MB to ~0.6 MB and still reads well,
    which keeps the repository small."""
    from PIL import Image

    with Image.open(path) as shot:
        palette = shot.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
    palette.save(path, optimize=True)


def log_in(browser: Any, url: str, username: str, password: str) -> Any:
    page = browser.new_context(viewport=SIZE).new_page()
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page


def shoot_viewer(page: Any, url: str, image_id: int, region: tuple[int, ...], out: Path) -> None:
    """The viewer zoomed on ``region``, one annotation selected so its details show."""
    page.goto(f"{url}/images/{image_id}/view/")
    page.wait_for_selector("#viewer[data-ready=true]", state="attached", timeout=30_000)
    x0, y0, x1, y1 = region
    page.evaluate("(e) => window.lamellaViewer.map.getView().fit(e)", [x0, -y1, x1, -y0])
    page.wait_for_function("document.querySelectorAll('.annotation-rows li').length > 20")
    uuid = page.evaluate(
        "() => window.lamellaViewer.store.source.getFeatures()"
        ".find((f) => f.get('uuid') && window.lamellaViewer.store.snapshotOf(f.get('uuid'))"
        ".vector.x10 !== undefined).get('uuid')"
    )
    page.evaluate("(u) => window.lamellaViewer.editing.selectUuid(u)", uuid)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)  # the last tiles fade in
    page.screenshot(path=str(out))
    shrink(out)


def shoot_verification(page: Any, url: str, set_id: int, type_id: int, out: Path) -> None:
    """The verification view of one type, part of it judged already."""
    page.goto(f"{url}/imagesets/{set_id}/verify/?type={type_id}")
    page.wait_for_selector("#verify[data-ready=true]", timeout=30_000)
    page.wait_for_function(
        "document.querySelector('[data-role=crop]').complete"
        " && document.querySelector('[data-role=crop]').naturalWidth > 0"
    )
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out))
    shrink(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the PNG files")
    parser.add_argument("--slide", type=Path, default=SLIDE, help="CMU-1-Small-Region.svs")
    args = parser.parse_args()
    if not args.slide.exists():
        raise SystemExit(f"{args.slide} is absent: ../shared/testdata is not beside this clone")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="lamella-screenshots-") as folder:
        prepare(Path(folder))
        from seed import PASSWORD, REGION, seed

        seeded = seed(args.slide)
        with server() as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
            )
            pathologist = log_in(browser, url, "pathologist", PASSWORD)
            shoot_viewer(pathologist, url, seeded.image_id, REGION, args.out / "viewer.png")
            colleague = log_in(browser, url, "colleague", PASSWORD)
            verification = args.out / "verification.png"
            shoot_verification(colleague, url, seeded.set_id, seeded.verify_type_id, verification)
            browser.close()
    print(f"wrote {args.out / 'viewer.png'} and {args.out / 'verification.png'}")  # noqa: T201


if __name__ == "__main__":
    main()
