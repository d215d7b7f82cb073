"""Writes on screening modes: one per user and image, moved tile by tile.

The caller has checked the policy (read access to the image's set for one's own row) and
validated the grid (``lamella.images.screening``). Moves come one per key press; the row is
locked while a move marks its tiles, so two quick moves never lose each other's marks.
"""

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from lamella.images.models import Image, ScreeningMode
from lamella.images.screening import index_problem, mark_screened


class ScreeningError(ValueError):
    """A screening change refused, with a message for people, about ``field``."""

    def __init__(self, message: str, field: str = "image") -> None:
        super().__init__(message)
        self.field = field


def create_screening(*, user: Any, image: Image, **fields: Any) -> ScreeningMode:
    """The user's screening of ``image``; a second one is refused (one row per user, as EXACT)."""
    taken = ScreeningMode.objects.filter(image=image, user=user).values_list("pk", flat=True)
    if taken:
        raise ScreeningError(
            f"You already screen image {image.pk}: change screening mode {taken[0]} instead."
        )
    try:
        with transaction.atomic():
            return ScreeningMode.objects.create(image=image, user=user, **fields)
    except IntegrityError as error:  # the same user's other tab won the race
        raise ScreeningError(f"You already screen image {image.pk}.") from error


def update_screening(
    *, mode: ScreeningMode, changes: dict[str, Any], mark: Iterable[int] = ()
) -> ScreeningMode:
    """Apply ``changes`` and mark the tiles in ``mark`` screened.

    As in EXACT, a ``current_index`` in ``changes`` marks the tile moved to as screened; ``mark``
    is Lamella's addition for the tile the user moved away from, so that one request records
    a whole move. The indices are checked here, against the grid as locked, since a move
    sends no grid; the grid is read once per move, which is what a large one costs.
    """
    try:
        with transaction.atomic():
            locked = ScreeningMode.objects.select_for_update().get(pk=mode.pk)
            for name, value in changes.items():
                setattr(locked, name, value)
            tiles = locked.screening_tiles if isinstance(locked.screening_tiles, dict) else {}
            indices = list(mark)
            for index in indices:
                _check(index_problem(tiles, index, "mark_screened"), "mark_screened")
            if "current_index" in changes:
                _check(index_problem(tiles, locked.current_index), "current_index")
                indices.append(locked.current_index)
            mark_screened(tiles, indices)
            locked.save()
    except IntegrityError as error:  # moved onto an image the user screens already
        raise ScreeningError("You already screen that image.") from error
    return locked


def _check(problem: str | None, field: str) -> None:
    if problem:
        raise ScreeningError(problem, field)
