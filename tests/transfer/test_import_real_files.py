"""Importing the real files of ../shared/testdata, checked against an independent read."""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from pydicom import dcmread

from lamella.annotations.models import Annotation, Verification
from lamella.annotations.transfer import import_annotations
from lamella.images.models import Image
from tests import factories
from tests.conftest import Cast, testdata
from tests.transfer.helpers import class_counts, set_with_images, sliderunner_set

SLIDERUNNER_FILES = [
    "SlideRunner_demo.sqlite",
    "MITOS2012.sqlite",
    "MITOS2014.sqlite",
    "TUPAC_Mitosis_ROI.sqlite",
    "CCMCT_HighMCAreas.sqlite",
    "CMC_TUPAC.sqlite",
]
ASAP_FILES = [
    "camelyon16_normal_042_tissue.xml",
    "TCGA-G9-6378-01A-01-BS1_tissue.xml",
    "2_HE_tissue.xml",
]


def sliderunner_classes(path: Path) -> Counter[str]:
    """Annotations per class by SQL: agreedClass, else the most frequent (earliest) label."""
    query = """
        SELECT a.uid, a.agreedClass, l.class FROM Annotations a
        LEFT JOIN Annotations_label l ON l.annoId = a.uid ORDER BY a.uid, l.uid
    """
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as connection:
        names = dict(connection.execute("SELECT uid, name FROM Classes"))
        votes: dict[int, list[int]] = {}
        agreed: dict[int, int | None] = {}
        for uid, agreed_class, label in connection.execute(query):
            agreed[uid] = agreed_class
            if label is not None:
                votes.setdefault(uid, []).append(label)
        # boxes of zero width or height: EXACT cannot hold them, the import skips them
        flat = {
            uid
            for (uid,) in connection.execute(
                "SELECT a.uid FROM Annotations a JOIN Annotations_coordinates c ON c.annoId = a.uid"
                " WHERE a.type IN (2, 5) GROUP BY a.uid"
                " HAVING max(c.coordinateX) = min(c.coordinateX)"
                " OR max(c.coordinateY) = min(c.coordinateY)"
            )
        }
    result: Counter[str] = Counter()
    for uid, chosen in agreed.items():
        if uid in flat:
            continue
        if not chosen:
            counts = Counter(votes.get(uid, []))
            top = max(counts.values())
            chosen = next(c for c in votes[uid] if counts[c] == top)
        result[names[chosen]] += 1
    return result


@pytest.mark.parametrize("name", SLIDERUNNER_FILES)
def test_every_sliderunner_file_imports_with_the_counts_and_classes_sql_reads(
    cast: Cast, name: str
) -> None:
    path = testdata(f"sliderunner-sqlite/{name}")
    image_set = sliderunner_set(cast.team, path, cast.owner)

    report = import_annotations(user=cast.owner, image_set=image_set, path=path, create_types=True)

    expected = sliderunner_classes(path)
    assert report.format == "sliderunner"
    assert report.created == sum(expected.values())
    assert report.created + report.skipped_total == report.records
    assert class_counts(image_set) == expected


def test_mitos2014_holds_3633_spots_and_tupac_444_rectangles(cast: Cast) -> None:
    mitos = testdata("sliderunner-sqlite/MITOS2014.sqlite")
    tupac = testdata("sliderunner-sqlite/TUPAC_Mitosis_ROI.sqlite")
    mitos_set = sliderunner_set(cast.team, mitos, cast.owner)
    tupac_set = sliderunner_set(cast.team, tupac, cast.owner)

    import_annotations(user=cast.owner, image_set=mitos_set, path=mitos, create_types=True)
    import_annotations(user=cast.owner, image_set=tupac_set, path=tupac, create_types=True)

    spots = Annotation.objects.filter(image__image_set=mitos_set, annotation_type__vector_type=2)
    boxes = Annotation.objects.filter(image__image_set=tupac_set, annotation_type__vector_type=1)
    assert spots.count() == 3633
    assert boxes.count() == 444


def test_sliderunner_labels_of_known_people_become_verifications(cast: Cast) -> None:
    path = testdata("sliderunner-sqlite/MITOS2014.sqlite")
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as connection:
        person, labels = connection.execute(
            "SELECT p.name, count(DISTINCT l.annoId) FROM Persons p"
            " JOIN Annotations_label l ON l.person = p.uid GROUP BY p.uid ORDER BY p.uid LIMIT 1"
        ).fetchone()
    voter = factories.make_user(person)
    image_set = sliderunner_set(cast.team, path, cast.owner)

    report = import_annotations(user=cast.owner, image_set=image_set, path=path, create_types=True)

    assert Verification.objects.filter(user=voter).count() == labels
    assert report.verifications == labels
    assert report.votes_without_user > 0


@pytest.mark.parametrize("name", ASAP_FILES)
def test_every_asap_file_imports_onto_the_image_named_after_it(cast: Cast, name: str) -> None:
    path = testdata(f"asap-xml/{name}")
    root = ET.parse(path).getroot()
    expected = Counter(a.get("PartOfGroup") for a in root.iter("Annotation"))
    image_set = set_with_images(cast.team, cast.owner, {f"{path.stem}.tif": (200_000, 200_000)})

    report = import_annotations(user=cast.owner, image_set=image_set, path=path, create_types=True)

    assert report.created == sum(expected.values())
    assert class_counts(image_set) == expected


def test_the_midog_file_imports_26286_boxes_on_553_images(cast: Cast) -> None:
    path = testdata("midogpp-json/MIDOG++.json")
    data = json.loads(path.read_text())
    sizes = {i["file_name"]: (i["width"], i["height"]) for i in data["images"]}
    categories = {c["id"]: c["name"] for c in data["categories"]}
    expected = Counter(categories[a["category_id"]] for a in data["annotations"])
    image_set = set_with_images(cast.team, cast.owner, sizes)

    report = import_annotations(user=cast.owner, image_set=image_set, path=path, create_types=True)

    assert report.format == "midog"
    assert report.created == 26_286 == sum(expected.values())
    assert len(report.images_matched) == len({a["image_id"] for a in data["annotations"]})
    assert class_counts(image_set) == expected


def test_the_dicom_annotation_file_imports_its_groups(cast: Cast) -> None:
    path = testdata("dicom-wsi/sm_annotations.dcm")
    dataset = dcmread(path)
    expected = Counter(
        {
            str(g.AnnotationGroupLabel): int(g.NumberOfAnnotations)
            for g in dataset.AnnotationGroupSequence
        }
    )
    image_set = set_with_images(cast.team, cast.owner, {"sm_image.dcm": (50, 50)})
    image = Image.objects.get(image_set=image_set)

    report = import_annotations(
        user=cast.owner, image_set=image_set, path=path, image=image, create_types=True
    )

    assert report.format == "dicom"
    assert class_counts(image_set) == expected


def test_small_batches_keep_votes_on_their_annotations(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Many batches (streamed segments on PostgreSQL), new types and images mid-file: each
    verification still lands on the annotation its vote was for."""
    path = testdata("sliderunner-sqlite/MITOS2014.sqlite")
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as connection:
        (person,) = connection.execute("SELECT name FROM Persons ORDER BY uid LIMIT 1").fetchone()
    voter = factories.make_user(person)

    def votes(batch_size: int) -> list[tuple[str, bool]]:
        monkeypatch.setattr("lamella.annotations.transfer.importing.BATCH_SIZE", batch_size)
        image_set = sliderunner_set(cast.team, path, cast.owner)
        report = import_annotations(
            user=cast.owner, image_set=image_set, path=path, create_types=True
        )
        assert report.created == Annotation.objects.filter(image__image_set=image_set).count()
        found = Verification.objects.filter(user=voter, annotation__image__image_set=image_set)
        return sorted(
            (f"{v.annotation.image.name} {v.annotation.vector}", v.verified)
            for v in found.select_related("annotation__image")
        )

    whole = votes(5_000)
    assert whole and votes(97) == whole
