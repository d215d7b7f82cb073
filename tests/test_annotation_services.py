"""Vector validation, and the annotation services: bbox, frame, history, upsert, verification."""

import datetime
import itertools
import random
import time
import uuid
from typing import Any

import pytest
from django.db import connection
from pytest_django.fixtures import Settings

from lamella.annotations.geometry import (
    Extent,
    VectorError,
    extent_of,
    quick_extent,
    validate_vector,
)
from lamella.annotations.models import Annotation, AnnotationHistory, AnnotationType
from lamella.annotations.services import (
    AnnotationInputError,
    bulk_create_annotations,
    create_annotation,
    delete_annotation,
    restore_annotation,
    soft_delete_annotation,
    update_annotation,
    upsert_annotation,
    verify_annotation,
)
from tests import factories
from tests.conftest import Cast

BOX = {"x1": 10, "y1": 20, "x2": 110, "y2": 220}
TRIANGLE = {"x1": 0, "y1": 0, "x2": 50, "y2": 5, "x3": 20, "y3": 40}

VALID = [
    (1, BOX, Extent(1, 10, 20, 110, 220)),
    (6, {**BOX, "frame": 3}, Extent(3, 10, 20, 110, 220)),
    (2, {"x1": 5, "y1": 5, "x2": 55, "y2": 55}, Extent(1, 5, 5, 55, 55)),
    (3, {"x1": 9, "y1": 1, "x2": 2, "y2": 8}, Extent(1, 2, 1, 9, 8)),
    (4, {"x1": 0.5, "y1": 0, "x2": 1, "y2": 2.5}, Extent(1, 0.5, 0, 1, 2.5)),
    (5, TRIANGLE, Extent(1, 0, 0, 50, 40)),
    (7, {"frame": 2}, Extent(2, None, None, None, None)),
    (7, BOX, Extent(1, None, None, None, None)),
    (8, {"tiles": [1, 2]}, Extent(1, None, None, None, None)),
    (1, None, Extent(1, None, None, None, None)),
    (5, None, Extent(1, None, None, None, None)),
]

INVALID = [
    (1, {"x1": 10, "y1": 0, "x2": 10, "y2": 5}, "x2 must be greater than x1"),
    (1, {"x1": 0, "y1": 9, "x2": 10, "y2": 5}, "y2 must be greater than y1"),
    (6, {"x1": 0, "y1": 0}, "bounding box needs exactly"),
    (2, {"x1": 0, "y1": 0}, "a point needs exactly"),
    (3, TRIANGLE, "a line needs exactly two nodes"),
    (4, {"x1": 0, "y1": 0}, "multi-line needs at least two"),
    (5, {"x1": 0, "y1": 0, "x2": 5, "y2": 5}, "polygon needs at least three"),
    (1, {**BOX, "x2": True}, "x2 must be a finite number"),
    (1, {**BOX, "y1": "20"}, "y1 must be a finite number"),
    (1, {**BOX, "x1": float("nan")}, "x1 must be a finite number"),
    (5, {"x1": 0, "y1": 0, "x2": 5, "y2": 5, "x4": 1, "y4": 1}, "numbered from 1"),
    (5, {"x1": 0, "y1": 0, "x2": 5, "y2": 5, "x3": 1}, "come in pairs"),
    (1, {**BOX, "frame": 0}, "frame must be a whole number"),
    (1, {**BOX, "frame": 1.5}, "frame must be a whole number"),
    (1, [1, 2, 3, 4], "must be a JSON object"),
    (9, BOX, "unknown vector type"),
]


@pytest.mark.parametrize(("vector_type", "vector", "extent"), VALID)
def test_valid_vectors_give_their_frame_and_bbox(
    vector_type: int, vector: Any, extent: Extent
) -> None:
    assert validate_vector(vector, vector_type, width=1000, height=1000) == extent


@pytest.mark.parametrize(("vector_type", "vector", "message"), INVALID)
def test_invalid_vectors_are_refused_with_a_message_naming_the_problem(
    vector_type: int, vector: Any, message: str
) -> None:
    with pytest.raises(VectorError, match=message):
        validate_vector(vector, vector_type)


def test_the_quick_extent_agrees_with_validation_or_leaves_it_to_validation() -> None:
    rng = random.Random(7)
    odd = [True, "5", float("nan"), float("inf"), -1e300, 10**400, 2.5, -70, 1e9]
    quick = valid = 0
    for vector_type, vector, _ in [*VALID, *INVALID]:
        for width, height in ((1000, 1000), (60, 60)):
            found = quick_extent(vector, vector_type, width, height)
            if found is not None:
                assert found == validate_vector(vector, vector_type, width=width, height=height)
    for _ in range(3000):
        nodes = rng.randint(1, 7)
        vector: dict[str, Any] = {}
        for i in range(1, nodes + 1):
            vector[f"x{i}"] = rng.choice([rng.uniform(-100, 1100), rng.randint(0, 1000)])
            vector[f"y{i}"] = rng.choice([rng.uniform(-100, 1100), rng.randint(0, 1000)])
        if rng.random() < 0.3:
            vector[rng.choice(list(vector))] = rng.choice(odd)
        if rng.random() < 0.1:
            vector["frame"] = rng.choice([1, 2])
        vector_type, node_count = rng.choice([1, 2, 3, 4, 5, 6]), rng.choice([0, 0, 4])
        found = quick_extent(vector, vector_type, 1000, 1000, node_count)
        try:
            expected = validate_vector(
                vector, vector_type, width=1000, height=1000, node_count=node_count
            )
        except VectorError:
            assert found is None, vector
            continue
        valid += 1
        quick += found is not None
        assert found in (None, expected), vector
    assert quick > valid // 2  # the fast path does take the common case


def test_coordinates_must_lie_inside_the_image_give_or_take_a_little() -> None:
    near = {"x1": -30, "y1": 10, "x2": 1020, "y2": 50}
    assert validate_vector(near, 1, width=1000, height=1000).x_min == -30
    with pytest.raises(VectorError, match="x coordinates must lie inside the image"):
        validate_vector({"x1": 0, "y1": 0, "x2": 2000, "y2": 5}, 1, width=1000, height=1000)
    with pytest.raises(VectorError, match="y coordinates"):
        validate_vector({"x1": 0, "y1": -500, "x2": 5, "y2": 5}, 1, width=1000, height=1000)


def test_a_polygon_type_with_a_node_count_wants_that_many_nodes() -> None:
    with pytest.raises(VectorError, match="exactly 4 nodes"):
        validate_vector(TRIANGLE, 5, node_count=4)


def test_extent_ignores_keys_that_are_not_coordinates() -> None:
    assert extent_of({**BOX, "label": "x", "frame": 2}) == Extent(2, 10, 20, 110, 220)


@pytest.fixture(autouse=True)
def fast_passwords(settings: Settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def box_type(cast: Cast) -> AnnotationType:
    product = factories.make_product(team=cast.team, image_sets=(cast.image_set,))
    return factories.make_annotation_type(product=product, vector_type=1)


def actions(annotation_id: int) -> list[str]:
    return list(
        AnnotationHistory.objects.filter(annotation_id=annotation_id).values_list(
            "action", flat=True
        )
    )


def test_create_stores_bbox_frame_creator_and_a_history_row(
    cast: Cast, box_type: AnnotationType
) -> None:
    annotation = create_annotation(
        user=cast.member, image=cast.image, annotation_type=box_type, vector={**BOX, "frame": 2}
    )
    stored = Annotation.objects.get(pk=annotation.pk)
    assert (stored.frame, stored.x_min, stored.y_min, stored.x_max, stored.y_max) == (
        2, 10, 20, 110, 220,
    )  # fmt: skip
    assert stored.user == cast.member and stored.last_editor == cast.member
    assert actions(annotation.pk) == ["create"]


def test_a_bad_vector_writes_nothing(cast: Cast, box_type: AnnotationType) -> None:
    with pytest.raises(VectorError):
        create_annotation(
            user=cast.owner,
            image=cast.image,
            annotation_type=box_type,
            vector={"x1": 5, "y1": 5, "x2": 1, "y2": 9},
        )
    assert not Annotation.objects.exists() and not AnnotationHistory.objects.exists()


def test_update_changes_only_given_fields_and_recomputes_the_bbox(
    cast: Cast, box_type: AnnotationType
) -> None:
    annotation = create_annotation(
        user=cast.owner, image=cast.image, annotation_type=box_type, vector=BOX, description="a"
    )
    update_annotation(
        user=cast.member, annotation=annotation, vector={"x1": 1, "y1": 2, "x2": 3, "y2": 4}
    )
    stored = Annotation.objects.get(pk=annotation.pk)
    assert (stored.x_min, stored.y_max, stored.description) == (1, 4, "a")
    assert stored.user == cast.owner and stored.last_editor == cast.member
    assert actions(annotation.pk) == ["create", "update"]


def test_update_refuses_unknown_fields_and_bad_vectors(
    cast: Cast, box_type: AnnotationType
) -> None:
    annotation = create_annotation(
        user=cast.owner, image=cast.image, annotation_type=box_type, vector=BOX
    )
    with pytest.raises(TypeError, match="frame"):
        update_annotation(user=cast.owner, annotation=annotation, frame=3)
    with pytest.raises(VectorError):
        update_annotation(user=cast.owner, annotation=annotation, vector={"x1": 1})
    assert Annotation.objects.get(pk=annotation.pk).vector == BOX
    assert actions(annotation.pk) == ["create"]


def test_soft_delete_restore_and_hard_delete_are_all_in_the_history(
    cast: Cast, box_type: AnnotationType
) -> None:
    annotation = create_annotation(
        user=cast.owner, image=cast.image, annotation_type=box_type, vector=BOX
    )
    soft_delete_annotation(user=cast.member, annotation=annotation)
    assert Annotation.objects.get(pk=annotation.pk).deleted
    restore_annotation(user=cast.member, annotation=annotation)
    assert not Annotation.objects.get(pk=annotation.pk).deleted
    pk = annotation.pk
    delete_annotation(user=cast.admin, annotation=annotation)
    assert not Annotation.objects.filter(pk=pk).exists()
    assert actions(pk) == ["create", "delete", "restore", "delete"]
    assert AnnotationHistory.objects.filter(annotation_id=pk).latest("id").user == cast.admin


def test_upsert_creates_then_updates_by_unique_identifier(
    cast: Cast, box_type: AnnotationType
) -> None:
    key = uuid.uuid4()
    first, created = upsert_annotation(
        user=cast.owner, image=cast.image, unique_identifier=key, annotation_type=box_type,
        vector=BOX,
    )  # fmt: skip
    assert created
    moved = {"x1": 500, "y1": 500, "x2": 600, "y2": 700}
    second, created = upsert_annotation(
        user=cast.member, image=cast.image, unique_identifier=str(key), annotation_type=box_type,
        vector=moved, deleted=True,
    )  # fmt: skip
    assert not created and second.pk == first.pk
    stored = Annotation.objects.get(pk=first.pk)
    assert (stored.x_min, stored.deleted, stored.last_editor) == (500, True, cast.member)
    assert Annotation.objects.count() == 1


def test_a_duplicate_identifier_on_one_image_is_refused(
    cast: Cast, box_type: AnnotationType
) -> None:
    key = uuid.uuid4()
    create_annotation(
        user=cast.owner, image=cast.image, annotation_type=box_type, vector=BOX,
        unique_identifier=key,
    )  # fmt: skip
    with pytest.raises(AnnotationInputError, match="already exists"):
        create_annotation(
            user=cast.owner, image=cast.image, annotation_type=box_type, vector=BOX,
            unique_identifier=key,
        )  # fmt: skip
    assert Annotation.objects.count() == 1 and AnnotationHistory.objects.count() == 1


def test_verification_is_one_per_user_and_the_last_word_counts(
    cast: Cast, box_type: AnnotationType
) -> None:
    annotation = create_annotation(
        user=cast.owner, image=cast.image, annotation_type=box_type, vector=BOX
    )
    verify_annotation(user=cast.member, annotation=annotation, verified=True)
    verification = verify_annotation(user=cast.member, annotation=annotation, verified=False)
    verify_annotation(user=cast.admin, annotation=annotation, verified=True)
    assert annotation.verifications.count() == 2
    assert annotation.verifications.get(user=cast.member) == verification
    assert not verification.verified


def test_bulk_create_returns_what_it_stored(cast: Cast, box_type: AnnotationType) -> None:
    key = uuid.uuid4()
    items: list[dict[str, Any]] = [
        {"annotation_type": box_type, "vector": BOX, "unique_identifier": key, "score": 0.5},
        {"annotation_type_id": box_type.pk, "vector": None, "meta_data": {"a": 1}},
        {"annotation_type": box_type, "vector": {**BOX, "frame": 4}, "deleted": True},
    ]
    created = bulk_create_annotations(user=cast.member, items=items, image=cast.image)
    stored = list(Annotation.objects.order_by("id"))
    fields = [f.attname for f in Annotation._meta.concrete_fields if f.attname != "time"]
    fields.remove("last_edit_time")
    as_rows = [[getattr(a, name) for name in fields] for a in stored]
    assert [[getattr(a, name) for name in fields] for a in created] == as_rows
    assert stored[0].unique_identifier == key and stored[0].score == 0.5
    assert stored[1].meta_data == {"a": 1} and stored[1].x_min is None
    assert stored[2].frame == 4 and stored[2].deleted
    assert stored[0].user == cast.member
    assert AnnotationHistory.objects.filter(action="create").count() == 3


def test_bulk_create_draws_ascending_version_7_identifiers(
    cast: Cast, box_type: AnnotationType
) -> None:
    items = [{"annotation_type": box_type, "vector": BOX} for _ in range(3)]
    bulk_create_annotations(user=cast.member, items=items * 400, image=cast.image)
    keys = list(Annotation.objects.order_by("id").values_list("unique_identifier", flat=True))
    assert len(set(keys)) == 1200 and keys == sorted(keys)
    assert {(key.version, key.variant) for key in keys} == {(7, uuid.RFC_4122)}
    # The clock part is this millisecond's, give or take a minute.
    assert abs((keys[0].int >> 80) - time.time() * 1000) < 60_000


@pytest.mark.parametrize(
    "shared",
    [
        {"deleted": True, "score": 0.25, "generated": True},
        {"description": "it's; DROP TABLE x", "meta_data": {"a": "b'"}},
    ],
    ids=["literal-tail", "bound-tail"],
)
def test_a_large_batch_stores_the_values_it_shares(
    cast: Cast, box_type: AnnotationType, shared: dict[str, Any]
) -> None:
    # SQLite writes values every row shares as literals when they are plain (tail of bulk_sql)
    items = [{"annotation_type": box_type, "vector": BOX, **shared} for _ in range(2500)]
    items[-1] = {**items[-1], "score": 0.75}  # and the last row differs: bound again
    bulk_create_annotations(user=cast.member, items=items[:-1], image=cast.image)
    bulk_create_annotations(user=cast.member, items=items, image=cast.image)
    stored = list(Annotation.objects.order_by("id"))
    assert len(stored) == 4999
    expected = {"deleted": False, "description": "", "meta_data": None, "generated": False}
    expected |= {"score": None, "user_id": cast.member.pk, "last_editor_id": cast.member.pk}
    expected |= shared
    for annotation in stored[:-1]:
        assert {key: getattr(annotation, key) for key in expected} == expected
    assert stored[-1].score == 0.75 and isinstance(stored[0].deleted, bool)
    assert len({a.time for a in stored[:2499]}) == 1


@pytest.mark.parametrize("described", [True, False])  # False: rows end in the batch's defaults
def test_a_large_batch_pairs_each_item_with_its_id_and_lays_rows_out_by_place(
    cast: Cast, box_type: AnnotationType, described: bool
) -> None:
    rng = random.Random(3)
    items: list[dict[str, Any]] = []
    for n in range(1500):
        x, y = rng.randrange(0, 9000), rng.randrange(0, 9000)
        vector = {"x1": x, "y1": y, "x2": x + 20, "y2": y + 20}
        items.append({"annotation_type": box_type, "vector": vector})
        if described:
            items[-1]["description"] = str(n)
    created = bulk_create_annotations(user=cast.member, items=items, image=cast.image)
    stored = {a.pk: a for a in Annotation.objects.all()}
    expected = [str(n) if described else "" for n in range(1500)]
    assert [stored[a.pk].description for a in created] == expected
    assert {(a.deleted, a.generated, a.score, a.meta_data) for a in stored.values()} == {
        (False, False, None, None)
    }
    assert {(a.user_id, a.last_editor_id) for a in stored.values()} == {(cast.member.pk,) * 2}
    assert len({(a.time, a.last_edit_time) for a in stored.values()}) == 1
    assert all(
        stored[a.pk].vector == item["vector"] for a, item in zip(created, items, strict=True)
    )
    history = AnnotationHistory.objects.filter(action="create")
    assert set(history.values_list("annotation_id", flat=True)) == set(stored)
    ids = [a.pk for a in created]
    assert sorted(ids) == list(range(min(ids), min(ids) + 1500))
    # rows by id = rows in 512 px tiles, row by row; on PostgreSQL in two runs of one half each
    places = [(int(a.y_min) // 512, int(a.x_min) // 512) for _, a in sorted(stored.items())]
    runs = [places[:750], places[750:]] if connection.vendor == "postgresql" else [places]
    assert all(run == sorted(run) for run in runs) and len(set(places[:4])) > 1
    # fresh unique identifiers ascend in the same order, and the returned objects carry them
    by_id = [stored[pk].unique_identifier for pk in sorted(stored)]
    assert by_id == sorted(by_id)
    assert {a.pk: a.unique_identifier for a in created} == {
        pk: a.unique_identifier for pk, a in stored.items()
    }
    if connection.vendor == "postgresql":  # and written in that order: pages follow ids
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM annotations_annotation ORDER BY ctid")
            found = [row[0] for row in cursor.fetchall()]
        # Space freed by earlier tests' rolled-back rows is reused here and there (slots on
        # a page, a row on an old page): nearly all, not all, follow.
        ascending = sum(a < b for a, b in itertools.pairwise(found))
        assert sorted(found) == sorted(stored) and ascending > 0.95 * len(found)


@pytest.mark.parametrize("bad", [700, 1200])  # PostgreSQL: before the COPY / while it runs
def test_a_bad_item_in_a_large_batch_is_named_by_its_own_position(
    cast: Cast, box_type: AnnotationType, bad: int
) -> None:
    """The error names the item as the caller numbered it, and nothing is kept, also when
    the first half is already streaming into the table (PostgreSQL)."""
    rng = random.Random(5)
    items: list[dict[str, Any]] = []
    for _ in range(1500):
        x, y = rng.randrange(0, 9000), rng.randrange(0, 9000)
        items.append(
            {"annotation_type": box_type, "vector": {"x1": x, "y1": y, "x2": x + 9, "y2": y + 9}}
        )
    items[bad] = {"annotation_type": box_type, "vector": {"x1": 5, "y1": "top", "x2": 9, "y2": 9}}
    with pytest.raises(VectorError, match=rf"^item {bad}: "):
        bulk_create_annotations(user=cast.owner, items=items, image=cast.image)
    assert Annotation.objects.count() == 0 and AnnotationHistory.objects.count() == 0


def test_bulk_create_is_all_or_nothing(cast: Cast, box_type: AnnotationType) -> None:
    items: list[dict[str, Any]] = [{"annotation_type": box_type, "vector": BOX}] * 5
    items = [*items, {"annotation_type": box_type, "vector": {"x1": 1, "y1": 1}}]
    with pytest.raises(VectorError, match="item 5: a bounding box needs"):
        bulk_create_annotations(user=cast.owner, items=items, image=cast.image)
    key = uuid.uuid4()
    create_annotation(
        user=cast.owner, image=cast.image, annotation_type=box_type, vector=BOX,
        unique_identifier=key,
    )  # fmt: skip
    clash: list[dict[str, Any]] = [{"annotation_type": box_type, "vector": BOX}] * 3000
    clash = [*clash, {"annotation_type": box_type, "vector": BOX, "unique_identifier": key}]
    with pytest.raises(AnnotationInputError):
        bulk_create_annotations(user=cast.owner, items=clash, image=cast.image)
    assert Annotation.objects.count() == 1 and AnnotationHistory.objects.count() == 1


@pytest.mark.parametrize("count", [3, 1500])  # streamed row by row / written in tile order
def test_bulk_create_takes_numbers_and_times_as_text_and_names_bad_ones(
    cast: Cast, box_type: AnnotationType, count: int
) -> None:
    """PostgreSQL's binary COPY needs each value as its column's type: text that is a number
    or a date is read as one, other text is the caller's mistake, named, and nothing kept."""
    plain: dict[str, Any] = {"annotation_type": box_type, "vector": BOX}
    given = {**plain, "score": "0.25", "time": "2024-05-06T07:08:09+02:00", "description": 7}
    bulk_create_annotations(
        user=cast.owner, items=[given] + [plain] * (count - 1), image=cast.image
    )
    stored = Annotation.objects.get(score__isnull=False)
    assert stored.score == 0.25 and stored.description == "7"
    assert stored.time == datetime.datetime(2024, 5, 6, 5, 8, 9, tzinfo=datetime.UTC)
    before = Annotation.objects.count()

    bad_items = [
        ({"score": "high"}, "score 'high' is not a number"),
        ({"last_edit_time": "Tuesday"}, "'Tuesday' is not a date and time"),
    ]
    for bad, message in bad_items:
        items = [plain] * (count - 1) + [{**plain, **bad}]
        with pytest.raises(VectorError, match=f"item {count - 1}: {message}"):
            bulk_create_annotations(user=cast.owner, items=items, image=cast.image)
    assert Annotation.objects.count() == before


def test_bulk_create_refuses_an_unknown_type(cast: Cast) -> None:
    with pytest.raises(AnnotationInputError, match="item 0: no such annotation type"):
        bulk_create_annotations(
            user=cast.owner, items=[{"annotation_type_id": 999, "vector": BOX}], image=cast.image
        )


@pytest.mark.parametrize("count", [3, 1500])  # streamed row by row / written in tile order
def test_given_identifiers_are_stored_in_one_spelling_and_a_repeat_is_refused(
    cast: Cast, box_type: AnnotationType, count: int
) -> None:
    key = uuid.uuid4()
    items: list[dict[str, Any]] = [{"annotation_type": box_type, "vector": BOX}] * (count - 1)
    items = [
        *items,
        {"annotation_type": box_type, "vector": BOX, "unique_identifier": key.hex.upper()},
    ]
    created = bulk_create_annotations(user=cast.owner, items=items, image=cast.image)
    assert created[-1].unique_identifier == key
    assert Annotation.objects.get(pk=created[-1].pk).unique_identifier == key
    twice = [
        {"annotation_type": box_type, "vector": BOX, "unique_identifier": spelling}
        for spelling in (str(uuid.UUID(int=key.int + 1)), uuid.UUID(int=key.int + 1).hex.upper())
    ]
    with pytest.raises(AnnotationInputError, match=rf"^item {count}: unique_identifier .* repeats"):
        bulk_create_annotations(user=cast.owner, items=[*items[:-1], *twice], image=cast.image)
    assert Annotation.objects.count() == count
