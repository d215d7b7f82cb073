"""A large file is parsed in a process beside the import: same annotations, same failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lamella.annotations.models import Annotation
from lamella.annotations.transfer import ImportFailed, import_annotations
from lamella.images.models import ImageSet
from lamella.interop import beside
from tests.conftest import Cast, testdata
from tests.interop.test_beside import write_coco
from tests.transfer.helpers import row_counts, set_with_images, sliderunner_set


@pytest.fixture
def parsed_beside(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file counts as large; returns the formats parsed beside."""
    calls: list[str] = []
    real = beside.parse

    def recording(module: str, path: Any, options: dict[str, Any]) -> Any:
        calls.append(module)
        return real(module, path, options)

    monkeypatch.setattr("lamella.annotations.transfer.importing.BESIDE_BYTES", 0)
    monkeypatch.setattr(beside, "parse", recording)
    return calls


def new_set(cast: Cast) -> ImageSet:
    sizes = {"slide-1.tiff": (5000, 4000), "slide-2.tiff": (5000, 4000)}
    return set_with_images(cast.team, cast.owner, sizes)


def contents(image_set: ImageSet) -> list[tuple[str, str, str]]:
    """Image, type and vector of each annotation (COCO keeps no uuid: each import draws new)."""
    rows = Annotation.objects.filter(image__image_set=image_set).values_list(
        "image__name", "annotation_type__name", "vector"
    )
    return sorted((image, kind, json.dumps(vector, sort_keys=True)) for image, kind, vector in rows)


def test_a_file_parsed_beside_gives_the_same_annotations(
    cast: Cast, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, parsed_beside: list[str]
) -> None:
    path = write_coco(tmp_path / "a.json")
    in_process = new_set(cast)
    with monkeypatch.context() as small:
        small.setattr("lamella.annotations.transfer.importing.BESIDE_BYTES", 2**62)
        first = import_annotations(
            user=cast.owner, image_set=in_process, path=path, create_types=True
        )
    assert parsed_beside == []
    beside_set = new_set(cast)

    report = import_annotations(user=cast.owner, image_set=beside_set, path=path, create_types=True)

    assert parsed_beside == ["coco"]
    assert report.created == 2_500
    assert contents(beside_set) == contents(in_process)
    assert report.types_created == first.types_created
    assert report.summary() == first.summary()


def test_a_bad_record_beside_changes_nothing_and_is_named(
    cast: Cast, tmp_path: Path, parsed_beside: list[str]
) -> None:
    path = write_coco(tmp_path / "a.json", broken_at=1_500)
    image_set = new_set(cast)
    before = row_counts()

    with pytest.raises(ImportFailed) as caught:
        import_annotations(user=cast.owner, image_set=image_set, path=path, create_types=True)

    assert parsed_beside == ["coco"]
    assert row_counts() == before
    assert caught.value.location == "annotations[1500] (id=1501)"
    assert "bbox" in caught.value.problem


def test_options_that_cannot_cross_keep_the_parser_in_process(
    cast: Cast, tmp_path: Path, parsed_beside: list[str]
) -> None:
    path = testdata("sliderunner-sqlite/MITOS2014.sqlite")  # its skip callback stays here
    image_set = sliderunner_set(cast.team, path, cast.owner)
    report = import_annotations(user=cast.owner, image_set=image_set, path=path, create_types=True)

    assert parsed_beside == []
    assert report.created > 0
