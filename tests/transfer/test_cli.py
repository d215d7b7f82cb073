"""``lamella import`` and ``lamella export`` through ``lamella.cli.main``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lamella.annotations.models import Annotation, AnnotationType
from lamella.cli import main
from lamella.images.models import Image
from tests.conftest import Cast, testdata
from tests.transfer.helpers import row_counts, set_with_images, sliderunner_set
from tests.transfer.test_import_real_files import sliderunner_classes


def test_import_guesses_the_format_and_creates_the_types(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    path = testdata("sliderunner-sqlite/TUPAC_Mitosis_ROI.sqlite")
    image_set = sliderunner_set(cast.team, path, cast.owner)

    status = main(
        ["import", "--image-set", str(image_set.pk), str(path), "--create-types", "--user", "owner"]
    )

    assert status == 0
    assert "created 444 annotations" in capsys.readouterr().out
    assert Annotation.objects.filter(image__image_set=image_set, user=cast.owner).count() == 444


def test_a_dry_run_prints_the_report_and_writes_nothing(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    path = testdata("sliderunner-sqlite/MITOS2012.sqlite")
    image_set = sliderunner_set(cast.team, path, cast.owner)
    before = row_counts()

    options = ["--create-types", "--dry-run", "--json"]
    status = main(
        ["import", "--format", "sliderunner", "--image-set", str(image_set.pk), str(path), *options]
    )

    report = json.loads(capsys.readouterr().out)
    assert status == 0
    assert row_counts() == before
    assert report["dry_run"] is True
    assert report["created"] == 226
    expected = sliderunner_classes(path)
    assert report["created"] == sum(expected.values())
    assert sorted(name.split(" (")[0] for name in report["types_created"]) == sorted(expected)


def test_a_failed_import_exits_1_and_says_where(
    cast: Cast, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "labels.txt"
    path.write_text('nowhere.tiff|tumour|{"x1": 1, "y1": 1, "x2": 5, "y2": 5}||\n')

    status = main(["import", "--image-set", str(cast.image_set.pk), str(path), "--create-types"])

    assert status == 1
    error = capsys.readouterr().err
    assert "record 1 (image 'nowhere.tiff'" in error
    assert "not in the image set" in error
    assert not AnnotationType.objects.exists()


def test_a_single_image_file_goes_to_the_image_named_by_its_stem_or_by_image(
    cast: Cast, tmp_path: Path
) -> None:
    source = testdata("asap-xml/2_HE_tissue.xml")
    image_set = set_with_images(
        cast.team, cast.owner, {"2_HE_tissue.svs": (200_000, 200_000), "other.svs": (9, 9)}
    )
    renamed = tmp_path / "renamed.xml"
    renamed.write_bytes(source.read_bytes())
    other = Image.objects.get(image_set=image_set, name="2_HE_tissue.svs")

    by_stem = main(["import", "--image-set", str(image_set.pk), str(source), "--create-types"])
    by_id = main(
        ["import", "--image-set", str(image_set.pk), str(renamed), "--image", str(other.pk)]
    )

    assert (by_stem, by_id) == (0, 0)
    assert Annotation.objects.filter(image=other).count() == 8


def test_export_writes_a_file_that_imports_again(
    cast: Cast, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = testdata("sliderunner-sqlite/CCMCT_HighMCAreas.sqlite")
    image_set = sliderunner_set(cast.team, path, cast.owner)
    main(["import", "--image-set", str(image_set.pk), str(path), "--create-types"])
    out = tmp_path / "areas.json"

    set_id = str(image_set.pk)
    status = main(["export", "--format", "coco", "--image-set", set_id, "--out", str(out)])

    data = json.loads(out.read_text())
    assert status == 0
    assert "wrote 32 annotations" in capsys.readouterr().out
    assert len(data["annotations"]) == 32
    assert {c["name"] for c in data["categories"]} == {"10hpf selection"}


def test_export_of_an_unknown_format_exits_1(
    cast: Cast, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["export", "--format", "pptx", "--image-set", str(cast.image_set.pk)])

    assert status == 1
    assert "unknown format 'pptx'" in capsys.readouterr().err
