"""Importing a large GeoJSON in Chromium against ``lamella serve`` (granian and a real task
worker on a throwaway SQLite site): the upload's own bar, the progress page moving while the
worker imports inside its one transaction, the report at the end, the rows in the database.

The site runs in child processes because the point is a worker in another process: the page
must see progress that the import's uncommitted transaction hides from the database.
"""

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser import CHROMIUM, launched_chromium
from tests.processes import lamella
from tests.test_serve import Server, start, stop
from tests.web.test_import_pages import geojson
from tests.web.test_viewer_browser import is_error

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is not installed"),
]

FEATURES = 50_000
#: 40 measurements a cell make the file ~80 MB: above the size GeoJSON is streamed from, so
#: the share of the file read moves too, not only the records.
MEASUREMENTS = 40
PASSWORD = "a pathologist's password"
SETUP = f"""
from lamella.accounts.models import Team, TeamMembership, User
from lamella.images.models import Image, ImageSet
user = User.objects.create_user("pathologist", password={PASSWORD!r})
team = Team.objects.create(name="Lab")
TeamMembership.objects.create(team=team, user=user, is_admin=False)
image_set = ImageSet.objects.create(team=team, creator=user, name="Cells")
Image.objects.create(image_set=image_set, name="cells.tif", filename="cells.tif",
                     width=100_000, height=80_000)
print("SET", image_set.pk)
"""


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Server, int]]:
    """A running site with a member's set holding the image ``cells.tif``."""
    server = start(tmp_path / "data", tmp_path / "serve.log")
    try:
        done = lamella("manage", "shell", "-c", SETUP, env=server.env)
        found = re.search(r"^SET (\d+)$", done.stdout, re.MULTILINE)
        assert found, done.stdout
        yield server, int(found[1])
    finally:
        stop(server)


def annotations_of_set(data_dir: Path, set_id: int) -> int:
    with sqlite3.connect(data_dir / "lamella.sqlite3", timeout=20) as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM annotations_annotation a"
            " JOIN images_image i ON i.id = a.image_id WHERE i.image_set_id = ?",
            (set_id,),
        ).fetchone()
    return int(count)


def watch_progress(page: Any) -> list[tuple[str, int | None]]:
    """The state line and the bar's value, sampled until the report shows (the page reloads
    once at the end, so a sample may meet a page being replaced)."""
    from playwright.sync_api import Error as PlaywrightError

    seen: list[tuple[str, int | None]] = []
    for _ in range(3_000):  # a bound, not a timing: ~10 minutes of samples
        if page.locator('[data-role="report"]').count():
            return seen
        try:
            state = page.text_content('[data-role="state"]', timeout=2_000) or ""
            value = page.get_attribute('[data-role="bar"]', "value", timeout=2_000)
            seen.append((state, int(value) if value is not None else None))
        except PlaywrightError:
            pass  # between the page and its reload
        page.wait_for_timeout(200)
    raise AssertionError(f"the report never showed; last states {seen[-5:]}")


def test_a_member_imports_50000_cells_and_watches_the_import_to_its_report(
    site: tuple[Server, int], tmp_path: Path
) -> None:
    server, set_id = site
    path = tmp_path / "cells.geojson"
    path.write_bytes(geojson(FEATURES, measurements=MEASUREMENTS))
    small = tmp_path / "small" / "cells.geojson"
    small.parent.mkdir()
    small.write_bytes(geojson(3))
    with launched_chromium() as chromium:
        page = chromium.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if is_error(m) else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{server.url}/accounts/login/?next=/sets/{set_id}/import/")
        page.fill("input[name=username]", "pathologist")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        # A small dry run first: its report replaces the page in place, nothing is saved.
        page.set_input_files("input[name=file]", str(small))
        page.check("input[name=create_types]")
        page.click(".import-form button[type=submit]")
        page.wait_for_selector('[data-role="report"]')
        dry_report = page.text_content('[data-role="report"]') or ""
        saved_by_dry_run = annotations_of_set(server.data_dir, set_id)
        # Then the whole file for real, through the form the answer brought.
        page.set_input_files("input[name=file]", str(path))
        page.check("input[name=create_types]")
        page.uncheck("input[name=dry_run]")
        with page.expect_navigation(url=re.compile(r"/imports/\d+/$"), timeout=120_000):
            page.click(".import-form button[type=submit]")
            page.wait_for_selector('[data-role="upload"]:not([hidden])')
        seen = watch_progress(page)
        created = page.text_content('[data-role="report-created"]')
        log = page.locator('[data-role="log"] li').all_text_contents()
        import_errors = list(errors)
        page.goto(f"{server.url}/sets/{set_id}/")  # its image has no file: no thumbnail
        listed = page.text_content(".import-list")

    assert "Dry run: nothing saved yet" in dry_report and saved_by_dry_run == 0
    running = [(state, value) for state, value in seen if state.startswith("Running:")]
    records = [int(re.sub(r"\D", "", state.split(" records")[0])) for state, _ in running]
    assert any(0 < n < FEATURES for n in records), seen  # records moved while it ran
    assert any(v is not None and 0 < v < 100 for _, v in running), seen  # and the file share
    assert records == sorted(records), seen
    assert created == str(FEATURES)
    assert f"{FEATURES} records read" in log
    assert annotations_of_set(server.data_dir, set_id) == FEATURES
    assert listed is not None and "cells.geojson" in listed and "succeeded" in listed
    assert import_errors == []
