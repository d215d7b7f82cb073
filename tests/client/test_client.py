"""lamella.client against a live server, as a team member with a Bearer token."""

import uuid
from typing import Any

import pytest

from lamella.annotations.models import Annotation, Verification
from lamella.client import Client, LamellaError
from tests import factories
from tests.client.conftest import connect


def boxes(cast: Any, box_type: Any, count: int) -> list[dict[str, Any]]:
    return [
        {
            "image": cast.image.pk,
            "annotation_type": box_type.pk,
            "vector": {"x1": 10 * n, "y1": 10, "x2": 10 * n + 5, "y2": 20},
        }
        for n in range(count)
    ]


def test_a_member_sees_the_teams_sets_and_images_of_the_team(lamella, cast):
    assert [team["id"] for team in lamella.teams()] == [cast.team.pk]
    assert [s["id"] for s in lamella.image_sets(team=cast.team.pk)] == [cast.image_set.pk]
    (image,) = lamella.images(image_set=cast.image_set.pk)
    assert image["id"] == cast.image.pk and image["name"] == cast.image.name
    assert lamella.image(cast.image.pk)["width"] == cast.image.width


def test_a_member_creates_a_team_set_product_and_annotation_type(lamella, cast):
    team = lamella.create_team("client lab")
    image_set = lamella.create_image_set("client set", team=team["id"])
    product = lamella.create_product("client product", team["id"], image_sets=[image_set["id"]])
    kind = lamella.create_annotation_type("nucleus", product["id"], vector_type=5)
    assert image_set["team"] == team["id"]
    assert product["imagesets"] == [image_set["id"]]
    assert kind["vector_type"] == 5 and kind["product"] == product["id"]
    assert [t["name"] for t in lamella.annotation_types(product=product["id"])] == ["nucleus"]
    assert [p["id"] for p in lamella.products(name="client product")] == [product["id"]]
    renamed = lamella.update_image_set(image_set["id"], name="renamed")
    assert renamed["name"] == "renamed"


def test_bulk_create_then_the_list_generator_pages_through_everything(lamella, cast, box_type):
    lamella.page_size = 7
    created = lamella.bulk_create_annotations(boxes(cast, box_type, 20), batch_size=8)
    assert len(created) == 20 and all(a["id"] for a in created)
    listed = list(lamella.annotations(image=cast.image.pk))
    assert [a["id"] for a in listed] == sorted(a["id"] for a in created)
    assert lamella.count_annotations(image=cast.image.pk) == 20
    assert Annotation.objects.filter(image=cast.image, user=cast.member).count() == 20


def test_create_upserts_by_unique_identifier_then_update_and_delete(lamella, cast, box_type):
    uid = str(uuid.uuid4())
    vector = {"x1": 1, "y1": 1, "x2": 9, "y2": 9}
    first = lamella.create_annotation(cast.image.pk, box_type.pk, vector, unique_identifier=uid)
    again = lamella.create_annotation(
        cast.image.pk, box_type.pk, {**vector, "x2": 30}, unique_identifier=uid
    )
    assert again["id"] == first["id"] and again["vector"]["x2"] == 30
    changed = lamella.update_annotation(first["id"], description="checked", deleted=True)
    assert changed["description"] == "checked" and changed["deleted"] is True
    assert lamella.annotation(first["id"])["deleted"] is True
    lamella.delete_annotation(first["id"])
    assert not Annotation.objects.filter(pk=first["id"]).exists()


def test_delete_annotations_removes_several_in_one_request(lamella, cast, box_type):
    created = lamella.bulk_create_annotations(boxes(cast, box_type, 4))
    lamella.delete_annotations([created[0]["id"], created[2]["id"]])
    remaining = [a["id"] for a in lamella.annotations(image=cast.image.pk)]
    assert remaining == [created[1]["id"], created[3]["id"]]


def test_viewport_returns_only_the_annotations_meeting_the_rectangle(lamella, cast, box_type):
    created = lamella.bulk_create_annotations(boxes(cast, box_type, 10))
    inside = [a["id"] for a in lamella.viewport(cast.image.pk, 0, 0, 12, 30)]
    assert inside == [created[0]["id"], created[1]["id"]]


def test_stream_annotations_yields_every_annotation_of_the_image(lamella, cast, box_type):
    created = lamella.bulk_create_annotations(boxes(cast, box_type, 30))
    streamed = list(lamella.stream_annotations(cast.image.pk))
    assert [a["id"] for a in streamed] == [a["id"] for a in created]
    assert streamed[3]["vector"] == created[3]["vector"]
    assert streamed[3]["unique_identifier"] == created[3]["unique_identifier"]
    only = list(lamella.stream_annotations(cast.image.pk, fields=["id", "vector"]))
    assert set(only[0]) == {"id", "vector"}


def test_columnar_annotations_returns_parallel_arrays(lamella, cast, box_type):
    created = lamella.bulk_create_annotations(boxes(cast, box_type, 5))
    columns = lamella.columnar_annotations(cast.image.pk, fields=["id", "annotation_type"])
    assert columns["count"] == 5
    assert columns["id"] == [a["id"] for a in created]
    assert columns["annotation_type"] == [box_type.pk] * 5


def test_verify_records_the_members_acceptance(lamella, cast, box_type):
    (created,) = lamella.bulk_create_annotations(boxes(cast, box_type, 1))
    verification = lamella.verify(created["id"])
    assert verification["verified"] is True and verification["user"] == cast.member.pk
    assert [v["id"] for v in lamella.verifications(annotation=created["id"])] == [
        verification["id"]
    ]
    assert lamella.annotation(created["id"])["verified_by_user"] is True
    lamella.verify(created["id"], verified=False)
    assert Verification.objects.get(annotation_id=created["id"]).verified is False


def test_upload_image_reports_progress_and_returns_the_new_image(lamella, cast, tmp_path, settings):
    from PIL import Image as Picture

    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    path = tmp_path / "cells.png"
    Picture.new("RGB", (64, 48), (200, 30, 90)).save(path)
    seen: list[tuple[int, int]] = []
    (image,) = lamella.upload_image(
        path, cast.image_set.pk, progress=lambda sent, total: seen.append((sent, total)),
        chunk_size=100,
    )  # fmt: skip
    size = path.stat().st_size
    assert image["name"] == "cells.png" and image["image_set"] == cast.image_set.pk
    assert seen[0] == (0, size) and seen[-1] == (size, size)
    assert len(seen) >= 3  # several chunks, each reported
    assert [pair[0] for pair in seen] == sorted(pair[0] for pair in seen)


def test_errors_raise_lamella_error_with_status_and_detail(lamella, cast, box_type):
    with pytest.raises(LamellaError) as bad:
        lamella.create_annotation(cast.image.pk, box_type.pk, {"x1": 5, "y1": 5})
    assert bad.value.status == 400 and bad.value.detail
    with pytest.raises(LamellaError) as missing:
        lamella.image(10**9)
    assert missing.value.status == 404 and "detail" in missing.value.body


def test_an_outsider_gets_404_on_a_private_set(live_server, cast):
    with connect(live_server.url, username="outsider", password=factories.PASSWORD) as outsider:
        with pytest.raises(LamellaError) as hidden:
            outsider.image_set(cast.image_set.pk)
        assert list(outsider.image_sets()) == []
    assert hidden.value.status == 404


def test_basic_auth_works_like_the_token(live_server, cast):
    with connect(live_server.url, username="member", password=factories.PASSWORD) as basic:
        assert [team["id"] for team in basic.teams()] == [cast.team.pk]


def test_a_wrong_token_is_a_401(live_server, cast):
    with (
        connect(live_server.url, token="pat_nothing.here") as wrong,
        pytest.raises(LamellaError) as denied,
    ):
        list(wrong.teams())
    assert denied.value.status == 401


def test_an_unreachable_server_is_a_lamella_error_without_status():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(LamellaError) as down:
        list(Client(f"http://127.0.0.1:{port}", timeout=2).teams())
    assert down.value.status is None
