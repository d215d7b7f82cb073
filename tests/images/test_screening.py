"""Screening grids: the checks, the progress arithmetic, the move service and the selector."""

import json
from typing import Any

import pytest

from lamella.images import screening
from lamella.images import services_screening as services
from lamella.images.models import ScreeningMode
from lamella.images.selectors_screening import screening_progress, with_screening_progress
from tests import factories
from tests.conftest import Cast


def grid(x_steps: int, y_steps: int, size: int = 100) -> dict[str, Any]:
    """EXACT's shape, as the viewer's createGrid writes it."""
    return {
        str(row * x_steps + col): {
            "Screened": False,
            "x_min": col * size,
            "y_min": row * size,
            "x_max": (col + 1) * size,
            "y_max": (row + 1) * size,
        }
        for row in range(y_steps)
        for col in range(x_steps)
    }


def test_an_exact_grid_passes() -> None:
    assert screening.grid_problem(grid(3, 2), x_steps=3, y_steps=2) is None
    assert screening.grid_problem({}, x_steps=0, y_steps=0) is None


@pytest.mark.parametrize(
    ("tiles", "steps", "expected"),
    [
        ([], (0, 0), "must be an object"),
        ({"0": {}, "2": {}}, (0, 0), "keyed by their index"),
        ({"a": {}}, (0, 0), "keyed by their index"),
        (grid(3, 2), (2, 2), "do not make a grid of 2 x 2"),
        ({"0": 5}, (0, 0), "tile 0 must be an object"),
        ({"0": {"Screened": "yes"}}, (0, 0), "Screened must be true or false"),
        ({"0": {"x_min": "0"}}, (0, 0), "x_min must be a number"),
        ({"0": {"x_min": True}}, (0, 0), "x_min must be a number"),
        ({"0": {"y_min": 9, "y_max": 3}}, (0, 0), "y_min is greater than y_max"),
        (grid(1, 1), (-1, 1), "may not be negative"),
    ],
)
def test_a_broken_grid_is_named(tiles: Any, steps: tuple[int, int], expected: str) -> None:
    problem = screening.grid_problem(tiles, x_steps=steps[0], y_steps=steps[1])
    assert problem is not None and expected in problem


def test_a_grid_above_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screening, "MAX_TILES", 5)
    problem = screening.grid_problem(grid(3, 2), x_steps=3, y_steps=2)
    assert problem is not None and "at most 5 tiles" in problem


def test_an_index_must_be_a_tile_unless_the_grid_is_empty() -> None:
    assert screening.index_problem(grid(2, 2), 3) is None
    assert "grid has tiles 0 to 3" in (screening.index_problem(grid(2, 2), 4) or "")
    assert screening.index_problem({}, 7) is None


def test_progress_counts_screened_tiles_and_rounds_down() -> None:
    tiles = grid(10, 8)
    screening.mark_screened(tiles, range(12))
    screening.mark_screened(tiles, [999])  # off the grid: skipped
    progress = screening.progress_of(tiles, 11)
    assert (progress.screened, progress.total, progress.percent) == (12, 80, 15)
    assert progress.text == "tile 12 / 80, 15 % screened"
    assert screening.progress_of("not a grid", 0).percent == 0


def test_progress_counts_the_stored_text_as_parsing_would() -> None:
    tiles = grid(4, 2)
    screening.mark_screened(tiles, [0, 5])
    spaced, compact = json.dumps(tiles), json.dumps(tiles, separators=(",", ":"))
    for text in (spaced, compact):
        assert screening.progress_of_text(text, 5, tile_count=8) == screening.progress_of(tiles, 5)
        assert screening.progress_of_text(text, 5, tile_count=0).total == 8
    assert screening.progress_of_text(None, 0, tile_count=0).percent == 0


def test_a_move_marks_the_tile_reached_and_the_tiles_passed(cast: Cast) -> None:
    mode = ScreeningMode.objects.create(
        image=cast.image, user=cast.member, screening_tiles=grid(3, 1), x_steps=3, y_steps=1
    )
    services.update_screening(mode=mode, changes={"current_index": 2}, mark=[0])
    mode.refresh_from_db()
    assert mode.current_index == 2
    assert [mode.screening_tiles[k]["Screened"] for k in "012"] == [True, False, True]


def test_a_move_off_the_stored_grid_is_refused_and_changes_nothing(cast: Cast) -> None:
    mode = ScreeningMode.objects.create(
        image=cast.image, user=cast.member, screening_tiles=grid(2, 1)
    )
    with pytest.raises(services.ScreeningError, match="current_index 2 is not a tile") as error:
        services.update_screening(mode=mode, changes={"current_index": 2})
    assert error.value.field == "current_index"
    with pytest.raises(services.ScreeningError, match="mark_screened 7"):
        services.update_screening(mode=mode, changes={"current_index": 1}, mark=[7])
    mode.refresh_from_db()
    assert (mode.current_index, screening.count_screened(mode.screening_tiles)) == (0, 0)


def test_a_second_screening_of_the_same_image_is_refused(cast: Cast) -> None:
    services.create_screening(user=cast.member, image=cast.image, screening_tiles=grid(1, 1))
    with pytest.raises(services.ScreeningError, match="already screen"):
        services.create_screening(user=cast.member, image=cast.image)


def test_the_selector_gives_each_user_their_own_progress(cast: Cast) -> None:
    other = factories.make_image(image_set=cast.image_set)
    tiles = grid(2, 2)
    screening.mark_screened(tiles, [0])
    ScreeningMode.objects.create(image=cast.image, user=cast.member, screening_tiles=tiles)
    ScreeningMode.objects.create(image=other, user=cast.owner, screening_tiles=grid(2, 2))
    progress = screening_progress(user=cast.member, image_ids=[cast.image.pk, other.pk])
    assert list(progress) == [cast.image.pk]
    assert progress[cast.image.pk].percent == 25
    assert screening_progress(user=cast.anonymous, image_ids=[cast.image.pk]) == {}
    images = with_screening_progress(user=cast.owner, images=[cast.image, other])
    assert [getattr(image, "screening_progress", None) is not None for image in images] == [
        False,
        True,
    ]
