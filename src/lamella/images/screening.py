"""Screening grids: the checks and the progress arithmetic, free of Django.

EXACT stores a user's systematic screening of one image as ``ScreeningMode.screening_tiles``:
``{"0": {"Screened": false, "x_min": 0, "y_min": 0, "x_max": 350, "y_max": 350}, "1": ...}``,
one entry per tile in row-major order (``x_steps`` tiles per row, ``y_steps`` rows), keyed by
the tile's index as a string. ``current_index`` is the tile on screen. The viewer (and EXACT's)
counts a tile as screened once the user has been on it; ``Progress`` is what pages show.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: A 150,000 x 80,000 px slide in EXACT's 350 px tiles needs about 98,000; far above this the
#: JSON alone (about 100 bytes a tile) would make every load of the row slow.
MAX_TILES = 250_000
BOUNDS = ("x_min", "y_min", "x_max", "y_max")
_SCREENED_TRUE = re.compile(r'"Screened"\s*:\s*true')
_SCREENED_KEY = re.compile(r'"Screened"\s*:')


@dataclass(frozen=True)
class Progress:
    """One user's screening of one image: the tile on screen and how much is done."""

    current_index: int
    total: int
    screened: int

    @property
    def percent(self) -> int:
        """Whole percent, rounded down: 100 only when every tile is screened."""
        return self.screened * 100 // self.total if self.total else 0

    @property
    def text(self) -> str:
        return f"tile {self.current_index + 1} / {self.total}, {self.percent} % screened"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def tile_problem(key: str, tile: Any) -> str | None:
    """What is wrong with one entry of the grid, or None."""
    if not isinstance(tile, dict):
        return f"tile {key} must be an object"
    if not isinstance(tile.get("Screened", False), bool):
        return f"tile {key}: Screened must be true or false"
    for name in BOUNDS:
        if name in tile and not _is_number(tile[name]):
            return f"tile {key}: {name} must be a number"
    for low, high in (("x_min", "x_max"), ("y_min", "y_max")):
        if low in tile and high in tile and tile[low] > tile[high]:
            return f"tile {key}: {low} is greater than {high}"
    return None


def grid_problem(tiles: Any, *, x_steps: int, y_steps: int) -> str | None:
    """Why ``tiles`` is not a screening grid of ``x_steps`` x ``y_steps`` tiles, or None.

    An empty grid is allowed (EXACT's clients may create the row first); steps of 0 leave
    the number of tiles unchecked, since EXACT's model defaults them to 0.
    """
    if not isinstance(tiles, dict):
        return "screening_tiles must be an object of tiles keyed by index"
    if len(tiles) > MAX_TILES:
        return f"at most {MAX_TILES} tiles; choose a larger tile size"
    if x_steps < 0 or y_steps < 0:
        return "x_steps and y_steps may not be negative"
    if x_steps and y_steps and tiles and x_steps * y_steps != len(tiles):
        return f"{len(tiles)} tiles do not make a grid of {x_steps} x {y_steps}"
    expected = {str(index) for index in range(len(tiles))}
    if set(tiles) != expected:
        return 'tiles must be keyed by their index: "0", "1", … in row-major order'
    for key, tile in tiles.items():
        problem = tile_problem(key, tile)
        if problem:
            return problem
    return None


def index_problem(tiles: Mapping[str, Any], index: int, name: str = "current_index") -> str | None:
    """Why ``index`` is not a tile of ``tiles``, or None (any index fits an empty grid)."""
    if tiles and not 0 <= index < len(tiles):
        return f"{name} {index} is not a tile: the grid has tiles 0 to {len(tiles) - 1}"
    return None


def mark_screened(tiles: dict[str, Any], indices: Iterable[int]) -> None:
    """Mark the tiles at ``indices`` screened, in place; indices off the grid are skipped."""
    for index in indices:
        tile = tiles.get(str(index))
        if isinstance(tile, dict):
            tile["Screened"] = True


def count_screened(tiles: Any) -> int:
    if not isinstance(tiles, dict):
        return 0
    return sum(1 for tile in tiles.values() if isinstance(tile, dict) and tile.get("Screened"))


def progress_of(tiles: Any, current_index: int) -> Progress:
    total = len(tiles) if isinstance(tiles, dict) else 0
    return Progress(current_index=current_index, total=total, screened=count_screened(tiles))


def progress_of_text(text: str | None, current_index: int, *, tile_count: int) -> Progress:
    """Progress from the grid's stored JSON text, without parsing it.

    Pages show progress for dozens of images at once, and parsing a grid of 100,000 tiles
    costs far more than counting ``"Screened": true`` in its text. ``tile_count`` is
    ``x_steps * y_steps``; 0 (EXACT's default) counts the tiles' ``Screened`` keys instead.
    """
    text = text or ""
    total = tile_count if tile_count > 0 else len(_SCREENED_KEY.findall(text))
    screened = min(len(_SCREENED_TRUE.findall(text)), total)
    return Progress(current_index=current_index, total=total, screened=screened)
