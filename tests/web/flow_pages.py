"""Steps of the whole-day browser test, each done through Lamella's pages as a user would:
follow links, fill forms, press buttons. Every step ends on a page that proves it worked.

Kept apart from the test so that the test reads as the day it walks through."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests import factories

TIMEOUT_MS = 20_000


@dataclass(frozen=True)
class Shape:
    """An annotation type of the product: its name, EXACT vector type and colour."""

    name: str
    vector_type: int
    colour: str


# One type per EXACT shape (segmentation is not drawn by hand).
SHAPES = (
    Shape("mitosis", 1, "#D62728"),  # bounding box
    Shape("cell", 6, "#1F77B4"),  # fixed-size bounding box
    Shape("nucleus", 2, "#2CA02C"),  # circle / point
    Shape("tumour", 5, "#9467BD"),  # polygon
    Shape("distance", 3, "#FF7F0E"),  # line
    Shape("margin", 4, "#17BECF"),  # multi-line
    Shape("good quality", 7, "#8C564B"),  # image-level label
)


def is_error(message: Any, allowed: tuple[str, ...] = ()) -> bool:
    """A console error that is the page's fault: Chromium's own favicon request and the
    responses a test provokes on purpose (``allowed`` URL suffixes) do not count."""
    url = str(message.location.get("url", ""))
    return bool(message.type == "error" and not url.endswith(("/favicon.ico", *allowed)))


@dataclass
class Errors:
    """Console errors and uncaught exceptions of every page watched, by page name."""

    seen: dict[str, list[str]] = field(default_factory=dict)

    def watch(self, page: Any, name: str, allowed: tuple[str, ...] = ()) -> Any:
        found = self.seen.setdefault(name, [])
        page.on("console", lambda m: found.append(m.text) if is_error(m, allowed) else None)
        page.on("pageerror", lambda e: found.append(str(e)))
        return page

    def all(self) -> dict[str, list[str]]:
        return {name: errors for name, errors in self.seen.items() if errors}


def log_in(page: Any, base_url: str, username: str) -> None:
    """Through the login form, landing on the dashboard."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", factories.PASSWORD)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Welcome')")


def follow(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def create_team(page: Any, name: str) -> int:
    """Teams → Create a team; returns the new team's id from the team page's address."""
    follow(page, ".topbar-nav a:has-text('Teams')")
    page.fill("form[action$='/teams/new/'] input[name=name]", name)
    follow(page, "form[action$='/teams/new/'] button[type=submit]")
    page.wait_for_selector(f"h1:has-text('{name}')")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def add_member(page: Any, username: str) -> None:
    """On the team page, as its admin: Add a member."""
    page.fill("form.add-member input[name=username]", username)
    follow(page, "form.add-member button[type=submit]")
    page.wait_for_selector(f".member-row[data-user='{username}']")


def create_image_set(page: Any, name: str) -> int:
    """Team page → New image set → Create set; returns the set's id."""
    follow(page, ".actions a:has-text('New image set')")
    page.fill("input[name=name]", name)
    page.fill("textarea[name=description]", "Skin, H&E, one small region of CMU-1.")
    follow(page, "form button[type=submit]:has-text('Create set')")
    page.wait_for_selector(f"h1:has-text('{name}')")
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def create_product(page: Any, team_url: str, name: str) -> None:
    """Team page → Products & types → a new product, then one annotation type per shape."""
    page.goto(team_url)
    follow(page, ".actions a:has-text('Products')")
    page.fill("input[name=name]", name)
    follow(page, "button:has-text('Create product')")
    type_form = "form[action$='/types/']"
    for shape in SHAPES:
        page.fill(f"{type_form} input[name=name]", shape.name)
        page.select_option(f"{type_form} select[name=vector_type]", str(shape.vector_type))
        page.fill(f"{type_form} input[name=color_code]", shape.colour.lower())
        if shape.vector_type in (3, 4):  # lines stay open
            page.uncheck(f"{type_form} input[name=closed]")
        follow(page, f"{type_form} button[type=submit]")
        page.wait_for_selector(f".type-row td:text-is('{shape.name}')")


def attach_product(page: Any, set_url: str, product: str) -> None:
    """On the set page: tick the product and save."""
    page.goto(set_url)
    page.check(f".products-form label:has-text('{product}') input[type=checkbox]")
    follow(page, ".products-form button[type=submit]")
    page.wait_for_selector(f".products-form label:has-text('{product}') input:checked")


def upload_slide(page: Any, path: Path) -> None:
    """The set page's upload form (resumable, with progress bars); the page reloads when the
    file is up, then shows the ingest state until it reads "ready"."""
    page.set_input_files("input[name=files]", str(path))
    with page.expect_navigation(timeout=TIMEOUT_MS):
        page.click(".upload-form button[type=submit]")
    ingest = page.locator(f".thumb:has-text('{path.name}') .ingest")
    ingest.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(
        "(name) => [...document.querySelectorAll('.thumb')].some("
        "t => t.textContent.includes(name) && t.dataset.state === 'ready')",
        arg=path.name,
        timeout=TIMEOUT_MS,
    )
    assert ingest.inner_text() == "ready"


def open_viewer_from_set(page: Any, image_name: str) -> None:
    """Click the image's thumbnail and wait for the viewer and its tiles."""
    follow(page, f".thumb:has-text('{image_name}') a.thumb-link")
    wait_for_viewer(page)


def wait_for_viewer(page: Any) -> None:
    page.wait_for_selector("#viewer[data-ready=true]", state="attached", timeout=TIMEOUT_MS)
    page.wait_for_function("window.lamellaViewer.map.getView().getResolution() > 0")
    page.wait_for_load_state("networkidle")


def wait_until_saved(page: Any) -> None:
    page.wait_for_function("window.lamellaViewer.pending === 0")


def verify_one(page: Any, type_name: str, key: str, judged: int) -> None:
    """In the verification view: pick the type, then accept (``a``) or reject (``r``) the
    annotation shown; ``judged`` is how many the user has judged of that type afterwards."""
    with page.expect_navigation():
        page.select_option(".verify-type select[name=type]", label=type_name)
    page.wait_for_selector("#verify[data-ready=true]", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "document.querySelector('[data-role=crop]').complete"
        " && document.querySelector('[data-role=crop]').naturalWidth > 0"
    )
    page.keyboard.press(key)
    page.wait_for_function(
        "(done) => document.querySelector('[data-role=progress-text]')"
        ".textContent.startsWith(`${done} of`)",
        arg=judged,
    )


def export_set(page: Any, set_id: int, format_name: str) -> str:
    """Exports page → the set's row → format → Download; the file's text."""
    follow(page, ".topbar-nav a:has-text('Exports')")
    row = f"#set-{set_id}"
    page.select_option(f"{row} select[name=format]", format_name)
    with page.expect_download() as download:
        page.click(f"{row} .export-form button[type=submit]")
    path = download.value.path()
    assert path is not None, download.value.failure()
    return Path(path).read_text()
