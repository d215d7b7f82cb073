"""The density endpoint: counts per grid cell and type, whole cells, the cached whole-image
grid kept current by the history, permission and bad input."""

import json
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from lamella.annotations.density import GRIDS, Box, annotation_density
from lamella.annotations.models import Annotation, AnnotationHistory
from lamella.annotations.services import (
    bulk_create_annotations,
    delete_annotation,
    update_annotation,
)
from tests import factories
from tests.api.conftest import box

URL = "/api/v1/annotations/annotations/density/"


@pytest.fixture(autouse=True)
def fresh_grids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Each test's rolled-back database reuses ids: a grid kept from another test would lie.
    GRIDS.clear()
    monkeypatch.setattr(GRIDS, "directory", tmp_path / "density")
    yield
    GRIDS.clear()


def add(cast, annotation_type, *vectors, **extra):
    items = [
        {"image": cast.image, "annotation_type": annotation_type, "vector": v, **extra}
        for v in vectors
    ]
    return bulk_create_annotations(user=cast.member, items=items)


def cells(body):
    """{(x, y, type): n} of an answer."""
    columns = zip(body["x"], body["y"], body["annotation_type"], body["n"], strict=True)
    return {(x, y, t): n for x, y, t, n in columns}


def get(client, image, **query):
    response = client.get(URL, {"image": image.pk, **query})
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def test_annotations_are_counted_by_the_cell_of_their_centre_and_their_type(
    cast, client_for, box_type, product
):
    point_type = factories.make_annotation_type(product=product, vector_type=2, name="point")
    add(cast, box_type, box(0, 0, 10, 10), box(100, 20, 120, 40), box(60, 60, 68, 68))
    add(cast, point_type, box(40, 40, 50, 50))
    body = get(client_for(cast.member), cast.image, cell=64, in_bbox="0,0,200,200")
    assert body["cell"] == 64 and body["count"] == 4
    assert cells(body) == {
        (0, 0, box_type.pk): 1,
        (1, 0, box_type.pk): 1,
        (1, 1, box_type.pk): 1,
        (0, 0, point_type.pk): 1,
    }


def test_the_cells_meeting_the_box_come_whole_and_the_rest_not_at_all(cast, client_for, box_type):
    add(cast, box_type, box(10, 10, 20, 20), box(200, 10, 210, 20), box(900, 900, 910, 910))
    client = client_for(cast.member)
    # The box ends at x = 130, inside cell 1 (128-255): the annotation at 205 is in it.
    body = get(client, cast.image, cell=128, in_bbox="0,0,130,50")
    assert cells(body) == {(0, 0, box_type.pk): 1, (1, 0, box_type.pk): 1}
    assert get(client, cast.image, cell=1024)["count"] == 3


def test_coarse_cells_from_the_kept_grid_equal_counts_from_the_database(cast, box_type):
    rng = random.Random(5)
    vectors = []
    for _ in range(300):
        x, y = rng.randrange(0, 20_000), rng.randrange(0, 15_000)
        vectors.append(box(x, y, x + rng.randrange(1, 400), y + rng.randrange(1, 400)))
    add(cast, box_type, *vectors)
    view = Box(1_234.5, 2_000, 17_000, 9_999)
    for cell in (64, 256, 2048):
        kept = annotation_density(image_id=cast.image.pk, frame=1, box=view, cell=cell)
        counted = annotation_density(
            image_id=cast.image.pk, frame=1, box=view, cell=cell, use_cache=False
        )
        for name in ("x", "y", "annotation_type", "n"):
            assert getattr(kept, name).tolist() == getattr(counted, name).tolist(), (cell, name)
    fine = annotation_density(image_id=cast.image.pk, frame=1, box=view, cell=32)
    coarse = annotation_density(image_id=cast.image.pk, frame=1, box=view, cell=1024)
    summed = Counter()
    for x, y, n in zip(fine.x.tolist(), fine.y.tolist(), fine.n.tolist(), strict=True):
        summed[(x // 32, y // 32)] += n
    # The 1024 px cells reach beyond the 32 px ones at the edges of the view: compare inside.
    inner = {k: v for k, v in summed.items() if 2 <= k[0] <= 15 and 2 <= k[1] <= 8}
    columns = zip(coarse.x.tolist(), coarse.y.tolist(), coarse.n.tolist(), strict=True)
    got = {(x, y): n for x, y, n in columns}
    assert inner and all(got[key] == n for key, n in inner.items())


def test_deleted_annotations_and_other_frames_do_not_count(cast, client_for, box_type, product):
    everywhere = factories.make_annotation_type(
        product=product, vector_type=1, name="all frames", multi_frame=True
    )
    add(cast, box_type, box(10, 10, 20, 20))
    add(cast, box_type, box(10, 10, 20, 20), deleted=True)
    add(cast, box_type, {**box(10, 10, 20, 20), "frame": 2})
    add(cast, everywhere, {**box(10, 10, 20, 20), "frame": 3})
    client = client_for(cast.member)
    assert cells(get(client, cast.image, cell=1024)) == {
        (0, 0, box_type.pk): 1,
        (0, 0, everywhere.pk): 1,
    }
    assert cells(get(client, cast.image, cell=1024, frame=2)) == {
        (0, 0, box_type.pk): 1,
        (0, 0, everywhere.pk): 1,
    }


def test_the_kept_grid_follows_every_change_to_the_image(cast, client_for, box_type):
    (first,) = add(cast, box_type, box(10, 10, 20, 20))
    client = client_for(cast.member)
    assert get(client, cast.image, cell=1024)["count"] == 1
    add(cast, box_type, box(1500, 10, 1510, 20))
    assert cells(get(client, cast.image, cell=1024)) == {
        (0, 0, box_type.pk): 1,
        (1, 0, box_type.pk): 1,
    }
    update_annotation(user=cast.member, annotation=first, vector=box(2600, 10, 2610, 20))
    assert cells(get(client, cast.image, cell=1024)) == {
        (1, 0, box_type.pk): 1,
        (2, 0, box_type.pk): 1,
    }
    delete_annotation(user=cast.member, annotation=Annotation.objects.get(pk=first.pk))
    assert cells(get(client, cast.image, cell=1024)) == {(1, 0, box_type.pk): 1}


def test_a_change_on_another_image_keeps_the_grid(cast, client_for, box_type):
    add(cast, box_type, box(10, 10, 20, 20))
    client = client_for(cast.member)
    assert get(client, cast.image, cell=1024)["count"] == 1
    kept = GRIDS.grids[(cast.image.pk, 1)]
    other = factories.make_image(image_set=cast.image_set)
    bulk_create_annotations(
        user=cast.member, items=[{"image": other, "annotation_type": box_type, "vector": box()}]
    )
    assert get(client, cast.image, cell=1024)["count"] == 1
    assert GRIDS.grids[(cast.image.pk, 1)] is kept


def test_another_process_reads_the_grid_from_disk_instead_of_counting(
    cast, client_for, box_type, monkeypatch
):
    add(cast, box_type, box(10, 10, 20, 20), box(1500, 10, 1510, 20))
    client = client_for(cast.member)
    first = get(client, cast.image, cell=1024)
    GRIDS.clear()  # as in a second web process

    def no_counting(image_id, frame):
        raise AssertionError("counted again")

    monkeypatch.setattr(GRIDS, "compute", no_counting)
    assert get(client, cast.image, cell=1024) == first


def test_a_grid_file_from_another_database_is_not_trusted(cast, client_for, box_type):
    add(cast, box_type, box(10, 10, 20, 20))
    client = client_for(cast.member)
    assert get(client, cast.image, cell=1024)["count"] == 1
    GRIDS.clear()
    # What a restored backup or a rolled-back test looks like: another row under the stamp's id.
    latest = AnnotationHistory.objects.latest("id")
    AnnotationHistory.objects.filter(pk=latest.pk).update(time=latest.time.replace(year=2001))
    Annotation.objects.filter(image=cast.image).update(x_min=1500, x_max=1510)
    assert cells(get(client, cast.image, cell=1024)) == {(1, 0, box_type.pk): 1}


def test_the_type_filter_keeps_the_named_types(cast, client_for, box_type, product):
    other = factories.make_annotation_type(product=product, vector_type=1, name="other")
    add(cast, box_type, box(10, 10, 20, 20))
    add(cast, other, box(10, 10, 20, 20), box(500, 10, 510, 20))
    body = get(
        client_for(cast.member),
        cast.image,
        cell=128,
        in_bbox="0,0,1000,1000",
        annotation_type=str(other.pk),
    )
    assert cells(body) == {(0, 0, other.pk): 1, (3, 0, other.pk): 1}


def test_a_box_beside_the_image_and_an_empty_image_have_no_cells(cast, client_for, box_type):
    client = client_for(cast.member)
    assert get(client, cast.image, cell=1024)["count"] == 0
    assert get(client, cast.image, cell=16, in_bbox="0,0,2000,2000")["count"] == 0
    add(cast, box_type, box(10, 10, 20, 20))
    body = get(client, cast.image, cell=64, in_bbox="-500,-500,-100,-100")
    assert body == {"cell": 64, "count": 0, "x": [], "y": [], "annotation_type": [], "n": []}


def test_an_outsider_and_anonymous_get_404_for_a_private_image(cast, client_for, box_type):
    add(cast, box_type, box())
    for user in (cast.outsider, None):
        response = client_for(user).get(URL, {"image": cast.image.pk, "cell": 64})
        assert response.status_code == 404
        assert "detail" in response.json()


def test_bad_parameters_get_a_400_with_detail(cast, client_for):
    client = client_for(cast.member)
    image = cast.image.pk
    for query in (
        {},
        {"image": "x", "cell": 64},
        {"image": image},
        {"image": image, "cell": 100},
        {"image": image, "cell": 0},
        {"image": image, "cell": 2**21},
        {"image": image, "cell": "-64"},
        {"image": image, "cell": 1, "in_bbox": "0,0,100000,80000"},
        {"image": image, "cell": 64, "in_bbox": "1,2,3"},
        {"image": image, "cell": 64, "in_bbox": "nan,0,1,1"},
        {"image": image, "cell": 64, "frame": "0"},
        {"image": image, "cell": 64, "frame": str(2**40)},
        {"image": image, "cell": 64, "annotation_type": "a,b"},
    ):
        response = client.get(URL, query)
        assert response.status_code == 400, query
        assert response.json()["detail"], query


def test_an_unknown_image_is_a_404(cast, client_for):
    response = client_for(cast.member).get(URL, {"image": 10**12, "cell": 64})
    assert response.status_code == 404


def test_the_density_is_in_the_openapi_schema(cast, client_for):
    schema = client_for(None).get("/api/v1/openapi/", {"format": "json"})
    assert schema.status_code == 200
    assert "/api/v1/annotations/annotations/density/" in schema.content.decode()
