"""All or nothing: bad or mismatched input changes nothing and says where and what; dry runs."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from lamella.annotations.models import Annotation
from lamella.annotations.transfer import ImportFailed, import_annotations
from lamella.images.models import ImageSet
from tests import factories
from tests.conftest import Cast, testdata
from tests.transfer.helpers import row_counts, set_with_images

GOOD_LINE = 'slide-a.tiff|tumour|{"x1": 10, "y1": 10, "x2": 50, "y2": 60}||'


@pytest.fixture
def image_set(cast: Cast) -> ImageSet:
    image_set = set_with_images(cast.team, cast.owner, {"slide-a.tiff": (1000, 800)})
    product = factories.make_product(team=cast.team, image_sets=(image_set,))
    factories.make_annotation_type(product=product, name="tumour", vector_type=1)
    return image_set


def expect_failure(cast: Cast, image_set: ImageSet, path: Path, **options: object) -> ImportFailed:
    before = row_counts()
    with pytest.raises(ImportFailed) as caught:
        import_annotations(user=cast.owner, image_set=image_set, path=path, **options)  # type: ignore[arg-type]
    assert row_counts() == before
    assert caught.value.report.error == {
        "location": caught.value.location,
        "problem": caught.value.problem,
    }
    return caught.value


def test_a_truncated_asap_file_changes_nothing_and_names_the_line(
    cast: Cast, tmp_path: Path
) -> None:
    text = testdata("asap-xml/2_HE_tissue.xml").read_text()
    path = tmp_path / "2_HE_tissue.xml"
    path.write_text(text[: len(text) // 2])
    image_set = set_with_images(cast.team, cast.owner, {"2_HE_tissue.tif": (200_000, 200_000)})

    failure = expect_failure(cast, image_set, path, create_types=True)

    assert failure.location.startswith("line ")
    assert "malformed XML" in failure.problem


def test_a_sqlite_file_of_another_schema_changes_nothing(
    cast: Cast, image_set: ImageSet, tmp_path: Path
) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE patients (id INTEGER, name TEXT)")

    failure = expect_failure(cast, image_set, path, create_types=True)

    assert "not a SlideRunner database" in failure.problem


def test_an_unknown_class_without_create_types_changes_nothing(
    cast: Cast, image_set: ImageSet, tmp_path: Path
) -> None:
    path = tmp_path / "labels.txt"
    lines = [GOOD_LINE] * 3 + [GOOD_LINE.replace("tumour", "stroma")]
    path.write_text("\n".join(lines) + "\n")

    failure = expect_failure(cast, image_set, path, format="exact")

    assert "'stroma'" in failure.problem
    assert failure.location.startswith("record 4 ")


def test_an_image_not_in_the_set_changes_nothing(
    cast: Cast, image_set: ImageSet, tmp_path: Path
) -> None:
    path = tmp_path / "labels.txt"
    path.write_text(GOOD_LINE + "\n" + GOOD_LINE.replace("slide-a", "slide-z") + "\n")

    failure = expect_failure(cast, image_set, path, format="exact", create_types=True)

    assert "'slide-z.tiff' is not in the image set" in failure.problem


def test_a_failure_after_many_batches_keeps_none_of_them(
    cast: Cast, image_set: ImageSet, tmp_path: Path
) -> None:
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [100 + i % 500, 100]},
            "properties": {"classification": {"name": "tumour"}},
        }
        for i in range(12_000)
    ]
    features[-1]["geometry"]["coordinates"] = [90_000, 100]  # outside the image
    path = tmp_path / "slide-a.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))

    failure = expect_failure(cast, image_set, path, create_types=True)

    assert failure.location.startswith("record 12000 ")
    assert "inside the image" in failure.problem


def test_a_dry_run_writes_nothing_and_reports_what_it_would_do(
    cast: Cast, image_set: ImageSet, tmp_path: Path
) -> None:
    existing = uuid.uuid4()
    path = tmp_path / "labels.txt"
    path.write_text(
        "\n".join(
            [
                GOOD_LINE + str(existing),
                GOOD_LINE + str(existing),
                GOOD_LINE.replace("tumour", "stroma"),
            ]
        )
    )
    before = row_counts()

    report = import_annotations(
        user=cast.owner, image_set=image_set, path=path, create_types=True, dry_run=True
    )

    assert row_counts() == before
    assert report.dry_run and report.format == "exact"
    assert (report.records, report.created, report.skipped_total) == (3, 2, 1)
    assert report.types_matched == ["tumour"]
    assert report.types_created == ["stroma (bounding_box)"]
    assert "would create 2 annotations" in report.summary()


def test_importing_the_same_file_twice_skips_what_is_already_there(
    cast: Cast, image_set: ImageSet, tmp_path: Path
) -> None:
    path = tmp_path / "labels.txt"
    path.write_text("\n".join(GOOD_LINE + str(uuid.uuid4()) for _ in range(4)) + "\n")
    import_annotations(user=cast.owner, image_set=image_set, path=path)

    again = import_annotations(user=cast.owner, image_set=image_set, path=path)

    assert Annotation.objects.filter(image__image_set=image_set).count() == 4
    assert (again.created, again.skipped_total) == (0, 4)
    reason = "an annotation with this unique_identifier is already on the image"
    assert again.as_dict()["skipped_reasons"][0]["reason"] == reason


def test_an_identifier_in_another_spelling_is_the_same_identifier(
    cast: Cast, image_set: ImageSet, tmp_path: Path
) -> None:
    keys = [uuid.uuid4() for _ in range(3)]
    path = tmp_path / "labels.txt"
    path.write_text("\n".join(GOOD_LINE + str(key) for key in keys) + "\n")
    import_annotations(user=cast.owner, image_set=image_set, path=path)
    # again, upper case and without hyphens, plus one new key written twice
    new = uuid.uuid4()
    spellings = [key.hex.upper() for key in keys] + [str(new), new.hex.upper()]
    path.write_text("\n".join(GOOD_LINE + spelling for spelling in spellings) + "\n")

    again = import_annotations(user=cast.owner, image_set=image_set, path=path)

    stored = Annotation.objects.filter(image__image_set=image_set)
    assert sorted(a.unique_identifier.hex for a in stored) == sorted(k.hex for k in [*keys, new])
    assert (again.created, again.skipped_total) == (1, 4)
    reasons = {entry["reason"] for entry in again.as_dict()["skipped_reasons"]}
    assert reasons == {
        "an annotation with this unique_identifier is already on the image",
        "repeats the unique_identifier of an earlier record on its image",
    }


def test_coordinates_are_scaled_when_the_file_refers_to_another_level(
    cast: Cast, tmp_path: Path
) -> None:
    image_set = set_with_images(cast.team, cast.owner, {"001.tiff": (4000, 2000)})
    path = tmp_path / "level2.json"
    coco = {
        "images": [{"id": 1, "file_name": "001.tiff", "width": 1000, "height": 500}],
        "categories": [{"id": 1, "name": "mitosis"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 20, 30, 40]}],
    }
    path.write_text(json.dumps(coco))

    report = import_annotations(
        user=cast.owner, image_set=image_set, path=path, format="coco", create_types=True
    )

    annotation = Annotation.objects.get(image__image_set=image_set)
    assert annotation.vector == {"x1": 40, "y1": 80, "x2": 160, "y2": 240}
    assert report.images_scaled == {"001.tiff": [4.0, 4.0]}


def test_an_unknown_format_is_refused_before_reading(
    cast: Cast, image_set: ImageSet, tmp_path: Path
) -> None:
    path = tmp_path / "notes.bin"
    path.write_bytes(b"\x00\x01\x02")

    failure = expect_failure(cast, image_set, path)

    assert "cannot tell the format" in failure.problem


def test_a_huge_geojson_file_streams_and_a_truncated_one_still_fails_cleanly(
    cast: Cast, image_set: ImageSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lamella.interop import json_stream

    monkeypatch.setattr(json_stream, "STREAM_BYTES", 0)  # stream even this small file
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [100 + i, 100]},
            "properties": {"classification": {"name": "tumour"}},
        }
        for i in range(50)
    ]
    text = json.dumps({"type": "FeatureCollection", "features": features})
    whole, cut = tmp_path / "slide-a.geojson", tmp_path / "cut" / "slide-a.geojson"
    whole.write_text(text)
    cut.parent.mkdir()
    cut.write_text(text[: len(text) // 2])

    report = import_annotations(user=cast.owner, image_set=image_set, path=whole)
    failure = expect_failure(cast, image_set, cut)

    assert report.created == 50
    assert failure.location.startswith("after feature ")
    assert "malformed JSON" in failure.problem


@pytest.mark.parametrize("bad_at", [100, 150, 299])  # first of a segment, within one, last
def test_a_bad_record_after_a_full_segment_changes_nothing(
    cast: Cast, image_set: ImageSet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad_at: int
) -> None:
    """On PostgreSQL segments of 100 rows are already written, history included, when the bad
    record comes: everything still rolls back, and the record is named."""
    monkeypatch.setattr("lamella.annotations.transfer.importing.BATCH_SIZE", 100)
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [100 + n, 100]},
            "properties": {"classification": {"name": "tumour"}},
        }
        for n in range(300)
    ]
    features[bad_at]["geometry"]["coordinates"] = [5_000_000, 100]  # far outside the image
    path = tmp_path / "slide-a.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))

    failure = expect_failure(cast, image_set, path, create_types=True)

    assert failure.location.startswith(f"record {bad_at + 1} ")
    assert "inside the image" in failure.problem
