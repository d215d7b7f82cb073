"""/api/v1/images/screening_modes/: one row per user and image, grids checked, moves recorded."""

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from lamella.images.models import ScreeningMode
from tests.conftest import Cast
from tests.images.test_screening import grid

URL = "/api/v1/images/screening_modes/"
Clients = Callable[[Any], APIClient]


def create(client: APIClient, image_id: int, **fields: Any) -> Any:
    body = {"image": image_id, "screening_tiles": grid(3, 2), "x_steps": 3, "y_steps": 2}
    return client.post(URL, {**body, **fields}, format="json")


def test_a_member_starts_screening_and_the_row_is_theirs(cast: Cast, client_for: Clients) -> None:
    response = create(client_for(cast.member), cast.image.pk, x_resolution=100, y_resolution=100)
    assert response.status_code == 201, response.json()
    assert response.json()["user"] == cast.member.pk
    assert "mark_screened" not in response.json()
    assert ScreeningMode.objects.get().x_resolution == 100


def test_a_second_row_for_the_same_image_is_a_400_naming_the_first(
    cast: Cast, client_for: Clients
) -> None:
    client = client_for(cast.member)
    first = create(client, cast.image.pk).json()["id"]
    again = create(client, cast.image.pk)
    assert again.status_code == 400
    assert f"screening mode {first}" in again.json()["detail"]
    # Another user screens the same image on their own row.
    assert create(client_for(cast.owner), cast.image.pk).status_code == 201


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"screening_tiles": [1, 2]}, "screening_tiles", "must be an object"),
        ({"x_steps": 4}, "screening_tiles", "do not make a grid of 4 x 2"),
        ({"screening_tiles": {"0": {"Screened": 1}}, "x_steps": 0}, "screening_tiles", "Screened"),
        ({"current_index": 6}, "current_index", "grid has tiles 0 to 5"),
        ({"current_index": -1}, "current_index", ""),
        ({"x_resolution": -5}, "x_resolution", ""),
    ],
)
def test_a_bad_grid_or_index_is_a_400_that_says_why(
    cast: Cast, client_for: Clients, fields: dict[str, Any], field: str, message: str
) -> None:
    response = create(client_for(cast.member), cast.image.pk, **fields)
    assert response.status_code == 400
    assert message in str(response.json()["errors"][field])
    assert not ScreeningMode.objects.exists()


def test_a_move_marks_the_tile_left_and_the_tile_reached_and_answers_small(
    cast: Cast, client_for: Clients
) -> None:
    client = client_for(cast.member)
    row = create(client, cast.image.pk).json()
    patched = client.patch(
        f"{URL}{row['id']}/?fields=id,current_index",
        {"current_index": 4, "mark_screened": [1]},
        format="json",
    )
    assert patched.status_code == 200
    assert patched.json() == {"id": row["id"], "current_index": 4}
    tiles = ScreeningMode.objects.get().screening_tiles
    assert [key for key, tile in tiles.items() if tile["Screened"]] == ["1", "4"]


def test_marks_off_the_grid_are_a_400(cast: Cast, client_for: Clients) -> None:
    client = client_for(cast.member)
    row = create(client, cast.image.pk).json()
    response = client.patch(f"{URL}{row['id']}/", {"mark_screened": [6]}, format="json")
    assert response.status_code == 400
    assert "mark_screened 6 is not a tile" in str(response.json())
    bad = client.patch(f"{URL}{row['id']}/", {"mark_screened": "3"}, format="json")
    assert bad.status_code == 400


def test_a_new_grid_replaces_the_old_and_marks_the_first_tile_as_exact_does(
    cast: Cast, client_for: Clients
) -> None:
    client = client_for(cast.member)
    row = create(client, cast.image.pk).json()
    fresh = {"screening_tiles": grid(2, 1), "x_steps": 2, "y_steps": 1, "current_index": 0}
    response = client.patch(f"{URL}{row['id']}/", fresh, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["screening_tiles"]["0"]["Screened"] is True
    assert len(response.json()["screening_tiles"]) == 2


def test_an_outsider_sees_no_rows_of_a_private_set(cast: Cast, client_for: Clients) -> None:
    row = create(client_for(cast.owner), cast.image.pk).json()
    outsider = client_for(cast.outsider)
    assert outsider.get(f"{URL}{row['id']}/").status_code == 404
    moved = outsider.patch(f"{URL}{row['id']}/", {"current_index": 1}, format="json")
    assert moved.status_code == 404
    assert create(outsider, cast.image.pk).status_code == 404


def test_a_reader_of_a_public_set_screens_on_their_own_row_only(
    cast: Cast, client_for: Clients
) -> None:
    cast.image_set.public = True
    cast.image_set.save()
    row = create(client_for(cast.owner), cast.image.pk).json()
    reader = client_for(cast.outsider)
    assert (
        reader.patch(f"{URL}{row['id']}/", {"current_index": 1}, format="json").status_code == 403
    )
    own = create(reader, cast.image.pk)
    assert own.status_code == 201
    moved = reader.patch(f"{URL}{own.json()['id']}/", {"current_index": 1}, format="json")
    assert moved.status_code == 200


@pytest.mark.parametrize("body", ["5", "true", "null", '"text"', "[1, 2]"])
def test_a_body_that_is_not_an_object_is_a_400(cast: Cast, client_for: Clients, body: str) -> None:
    """Found by schemathesis: a JSON number as the body of a PATCH was a 500."""
    client = client_for(cast.member)
    row = create(client, cast.image.pk).json()
    response = client.patch(f"{URL}{row['id']}/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert ScreeningMode.objects.get().screening_tiles == grid(3, 2)
