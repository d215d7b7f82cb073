"""The import page and an import's progress page: who may see them, a real import followed to
its report, a bad file failing with its location and nothing saved, and progress that shows
while the import's own transaction still hides it."""

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from lamella.accounts.models import User
from lamella.annotations.models import Annotation
from lamella.images.models import ImageSet
from lamella.jobs import services as jobs
from lamella.jobs.models import Job
from tests import factories
from tests.conftest import Cast
from tests.images.helpers import data_dir

__all__ = ["data_dir"]  # a fixture, used by name


def geojson(count: int, *, vertices: int = 8, measurements: int = 0) -> bytes:
    """A QuPath-like FeatureCollection of ``count`` polygons in two classes, each with
    ``measurements`` numbers (what makes QuPath's cell detections large files)."""
    features = []
    for n in range(count):
        x, y = 100 + (n % 200) * 300, 100 + (n // 200 % 250) * 300  # inside 100k x 80k
        ring = [[x + 50 * (k % 2), y + 50 * (k // 2 % 2) + k] for k in range(vertices)]
        properties: dict[str, Any] = {
            "objectType": "annotation",
            "classification": {"name": "tumour" if n % 3 else "stroma", "color": [200, 30, 30]},
        }
        if measurements:
            values = {f"Nucleus: measurement {m}": n * 0.001 + m for m in range(measurements)}
            properties["measurements"] = values
        geometry = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
        features.append(
            {"type": "Feature", "id": f"cell-{n}", "geometry": geometry, "properties": properties}
        )
    body = {"type": "FeatureCollection", "features": features}
    return json.dumps(body, separators=(",", ":")).encode()


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def cells(cast: Cast, data_dir: Path) -> Cast:
    """The cast, with the image a file called ``cells.geojson`` puts its annotations on."""
    factories.make_image(image_set=cast.image_set, name="cells.tif")
    return cast


def post(client: Client, image_set: ImageSet, content: bytes, **fields: Any) -> Any:
    upload = SimpleUploadedFile(fields.pop("name", "cells.geojson"), content)
    return client.post(f"/sets/{image_set.pk}/import/", {"file": upload, **fields})


def run_import(capture: Any, client: Client, image_set: ImageSet, content: bytes, **fields: Any):
    """Post an import and run its job as the worker would (jobs start when the request's
    transaction commits)."""
    with capture(execute=True):
        response = post(client, image_set, content, **fields)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response, Job.objects.get()


def test_a_member_follows_a_real_import_to_its_report(
    cells: Cast, data_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    client = logged_in(cells.member)
    response, job = run_import(
        django_capture_on_commit_callbacks,
        client,
        cells.image_set,
        geojson(3),
        create_types="on",
    )
    assert response["Location"] == f"/sets/{cells.image_set.pk}/imports/{job.pk}/"
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert Annotation.objects.filter(image__image_set=cells.image_set).count() == 3

    page = client.get(response["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert page.context["job"]["report"]["created"] == 3
    assert '<dd data-role="report-created">3</dd>' in body
    assert "Done: imported." in body and "tumour" in body
    assert 'http-equiv="refresh"' not in body  # nothing more to wait for
    status = client.get(f"{response['Location']}status/").json()
    assert (status["finished"], status["percent"], status["records"]) == (True, 100, 3)
    assert not any((data_dir / "imports").iterdir())  # the upload is gone


def test_a_small_dry_run_answers_at_once_and_keeps_nothing(cells: Cast) -> None:
    response = post(
        logged_in(cells.member), cells.image_set, geojson(4), create_types="on", dry_run="on"
    )
    assert response.status_code == 200
    assert response.context["report"]["created"] == 4 and response.context["report"]["dry_run"]
    assert "would create 4 annotations" in response.content.decode()
    assert not Annotation.objects.exists() and not Job.objects.exists()


def test_a_dry_run_above_the_threshold_runs_as_a_job_and_keeps_nothing(
    cells: Cast, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.IMPORT_BACKGROUND_BYTES = 100
    client = logged_in(cells.member)
    response, job = run_import(
        django_capture_on_commit_callbacks,
        client,
        cells.image_set,
        geojson(5),
        create_types="on",
        dry_run="on",
    )
    body = client.get(response["Location"]).content.decode()
    assert job.status == Job.Status.SUCCEEDED and job.result and job.result["dry_run"]
    assert "Dry run: nothing saved yet" in body and "Would create" in body
    assert not Annotation.objects.exists()


def test_a_bad_file_fails_with_its_location_and_nothing_is_saved(
    cells: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    client = logged_in(cells.member)
    good = json.loads(geojson(3))
    good["features"][2]["geometry"]["coordinates"] = "not a ring"
    response, job = run_import(
        django_capture_on_commit_callbacks,
        client,
        cells.image_set,
        json.dumps(good).encode(),
        create_types="on",
    )
    page = client.get(response["Location"])
    body = page.content.decode()
    assert job.status == Job.Status.FAILED
    assert page.context["job"]["failure"] == "feature 2: a Polygon needs at least one ring", (
        page.context["job"]
    )
    assert "Nothing imported" in body and "Failed: nothing was imported." in body
    assert not Annotation.objects.exists()


def test_a_file_whose_format_cannot_be_told_is_refused_before_any_job(
    cells: Cast, data_dir: Path
) -> None:
    response = post(logged_in(cells.member), cells.image_set, b"\x00\x01 what", name="cells.bin")
    assert response.status_code == 400
    assert "Cannot tell the format from the file" in response.content.decode()
    assert not Job.objects.exists()
    assert not any((data_dir / "imports").iterdir())


def test_a_missing_file_is_a_400_with_the_form(cells: Cast) -> None:
    response = logged_in(cells.member).post(f"/sets/{cells.image_set.pk}/import/", {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def queued_import(cast: Cast, user: User) -> Job:
    params = {"image_set_id": cast.image_set.pk, "file_name": "cells.geojson", "dry_run": False}
    return Job.objects.create(kind="import_annotations", user=user, params=params)


@pytest.mark.parametrize(
    ("who", "expected"), [("member", 200), ("owner", 200), ("admin", 200), ("outsider", 404)]
)
def test_an_import_is_seen_by_the_sets_annotators_only(cast: Cast, who: str, expected: int):
    job = queued_import(cast, cast.member)
    client = logged_in(getattr(cast, who))
    url = f"/sets/{cast.image_set.pk}/imports/{job.pk}/"
    assert client.get(url).status_code == expected
    assert client.get(f"{url}status/").status_code == expected


def test_a_reader_of_a_public_set_does_not_see_its_imports(cast: Cast) -> None:
    ImageSet.objects.filter(pk=cast.image_set.pk).update(public=True)
    job = queued_import(cast, cast.member)
    client = logged_in(cast.outsider)
    assert client.get(f"/sets/{cast.image_set.pk}/").status_code == 200
    assert client.get(f"/sets/{cast.image_set.pk}/imports/{job.pk}/").status_code == 404
    assert "Recent imports" not in client.get(f"/sets/{cast.image_set.pk}/").content.decode()


def test_an_import_of_another_set_or_another_kind_of_job_is_404(cast: Cast) -> None:
    other_set = factories.make_image_set(team=cast.team, creator=cast.owner)
    job = queued_import(cast, cast.member)
    selfcheck = Job.objects.create(kind="selfcheck", user=cast.member)
    client = logged_in(cast.member)
    assert client.get(f"/sets/{other_set.pk}/imports/{job.pk}/").status_code == 404
    assert client.get(f"/sets/{cast.image_set.pk}/imports/{selfcheck.pk}/").status_code == 404
    assert Client().get(f"/sets/{cast.image_set.pk}/imports/{job.pk}/").status_code == 302


def test_the_set_page_links_to_the_import_page_and_lists_recent_imports(cast: Cast) -> None:
    job = queued_import(cast, cast.member)
    body = logged_in(cast.owner).get(f"/sets/{cast.image_set.pk}/").content.decode()
    assert f'href="/sets/{cast.image_set.pk}/import/"' in body
    assert f'href="/sets/{cast.image_set.pk}/imports/{job.pk}/"' in body
    assert "cells.geojson" in body and "queued" in body


def test_a_waiting_import_page_refreshes_itself_without_javascript(cast: Cast) -> None:
    job = queued_import(cast, cast.member)
    body = logged_in(cast.member).get(f"/sets/{cast.image_set.pk}/imports/{job.pk}/")
    text = body.content.decode()
    assert '<noscript><meta http-equiv="refresh"' in text
    assert "Queued: waiting for a worker" in text and "lamella/imports.js" in text


def test_progress_shows_while_the_imports_own_transaction_still_hides_it(
    cast: Cast, data_dir: Path
) -> None:
    path = data_dir / "imports" / "x" / "cells.geojson"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"0123456789" * 1000)
    job = queued_import(cast, cast.member)
    Job.objects.filter(pk=job.pk).update(params={**job.params, "path": str(path)})
    jobs.mark_running(job.pk)
    with path.open("rb", buffering=0) as reader, transaction.atomic():
        reader.read(2500)  # a streaming parser a quarter into the file
        jobs.log(job.pk, "5000 records read")
        transaction.set_rollback(True)  # nobody outside sees these writes: the import failed
    job.refresh_from_db()
    assert "5000 records read" not in job.log  # the row knows nothing of it

    status = logged_in(cast.member).get(f"/sets/{cast.image_set.pk}/imports/{job.pk}/status/")
    shown = status.json()
    assert (shown["status"], shown["records"], shown["percent"]) == ("running", 5000, 25)
    assert shown["log"][-1] == "5000 records read"
    assert shown["state_text"] == "Running: 5,000 records read, 25 % of the file."
    jobs.fail(job.pk, "ImportFailed: feature 9: no geometry")
    after = logged_in(cast.member).get(f"/sets/{cast.image_set.pk}/imports/{job.pk}/status/")
    assert after.json()["failure"] == "feature 9: no geometry"
    assert not (data_dir / "jobs" / f"{job.pk}.json").exists()
