"""The exports page: download a set's annotations per format; import with a dry-run report."""

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lamella.accounts.models import User
from lamella.annotations.models import Annotation
from lamella.images.models import Image, ImageSet
from lamella.interop import registry
from tests import factories
from tests.conftest import Cast


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def annotate(image: Image, count: int = 2) -> None:
    team = image.image_set.team
    assert team is not None
    product = factories.make_product(team=team, image_sets=(image.image_set,))
    annotation_type = factories.make_annotation_type(product=product, name="mitosis")
    now = timezone.now()
    Annotation.objects.bulk_create(
        Annotation(
            image=image,
            annotation_type=annotation_type,
            vector={"x1": 10 * n, "y1": 10, "x2": 10 * n + 50, "y2": 60},
            x_min=10 * n,
            y_min=10,
            x_max=10 * n + 50,
            y_max=60,
            time=now,
            last_edit_time=now,
        )
        for n in range(count)
    )


def test_the_exports_page_lists_readable_sets_with_every_format(cast: Cast) -> None:
    body = logged_in(cast.member).get("/exports/").content.decode()
    assert f'id="set-{cast.image_set.pk}"' in body
    for name in registry.FORMATS:
        assert f'<option value="{name}">' in body
    assert (
        f'id="set-{cast.image_set.pk}"'
        not in logged_in(cast.outsider).get("/exports/").content.decode()
    )


def test_a_member_downloads_the_annotations_as_a_file(cast: Cast) -> None:
    annotate(cast.image)
    response = logged_in(cast.member).get(f"/sets/{cast.image_set.pk}/export/?format=exact")
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert content.count(b"mitosis") == 2


def test_an_unknown_format_and_an_impossible_export_are_400_with_the_reason(cast: Cast) -> None:
    client = logged_in(cast.member)
    unknown = client.get(f"/sets/{cast.image_set.pk}/export/?format=pdf")
    assert unknown.status_code == 400 and "Select a valid choice" in unknown.content.decode()
    annotate(cast.image)
    annotate(factories.make_image(image_set=cast.image_set))
    single = client.get(f"/sets/{cast.image_set.pk}/export/?format=geojson")
    assert single.status_code == 400 and "holds one image" in single.content.decode()


def test_outsiders_cannot_export_or_import_a_private_set(cast: Cast) -> None:
    client = logged_in(cast.outsider)
    assert client.get(f"/sets/{cast.image_set.pk}/export/?format=exact").status_code == 404
    assert client.get(f"/sets/{cast.image_set.pk}/import/").status_code == 404
    assert Client().get(f"/sets/{cast.image_set.pk}/import/").status_code == 302


def test_a_public_set_exports_but_does_not_import_for_an_outsider(cast: Cast) -> None:
    ImageSet.objects.filter(pk=cast.image_set.pk).update(public=True)
    client = logged_in(cast.outsider)
    assert client.get(f"/sets/{cast.image_set.pk}/export/?format=exact").status_code == 200
    assert client.get(f"/sets/{cast.image_set.pk}/import/").status_code == 403


def test_an_import_dry_run_reports_and_keeps_nothing_then_imports(
    cast: Cast, django_capture_on_commit_callbacks: Any, settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path  # a real import runs as a job, from a copy kept there
    annotate(cast.image)
    client = logged_in(cast.member)
    exported = b"".join(
        client.get(f"/sets/{cast.image_set.pk}/export/?format=exact").streaming_content  # type: ignore[attr-defined]
    )
    Annotation.objects.all().delete()
    url = f"/sets/{cast.image_set.pk}/import/"
    upload = SimpleUploadedFile("annotations.txt", exported)
    dry = client.post(url, {"file": upload, "dry_run": "on"})
    assert dry.status_code == 200
    assert dry.context["report"]["created"] == 2 and dry.context["report"]["dry_run"]
    assert "would create 2 annotations" in dry.content.decode()
    assert not Annotation.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        real = client.post(url, {"file": SimpleUploadedFile("annotations.txt", exported)})
    assert real.status_code == 302 and Annotation.objects.count() == 2  # to the job's page


def test_an_unreadable_import_is_400_and_a_missing_file_too(cast: Cast) -> None:
    client = logged_in(cast.member)
    url = f"/sets/{cast.image_set.pk}/import/"
    assert client.get(url).status_code == 200
    missing = client.post(url, {"dry_run": "on"})
    assert missing.status_code == 400 and "This field is required." in missing.content.decode()
    junk = SimpleUploadedFile("junk.geojson", b"{ this is not json")
    failed = client.post(url, {"file": junk, "format": "geojson", "dry_run": "on"})
    assert failed.status_code == 400 and "Nothing imported" in failed.content.decode()


def test_the_exports_page_query_count_does_not_grow_with_sets(cast: Cast) -> None:
    client = logged_in(cast.member)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/exports/").status_code == 200
        return len(captured.captured_queries)

    before = count()
    for _ in range(8):
        factories.make_image_set(team=cast.team, creator=cast.owner)
    assert count() == before
