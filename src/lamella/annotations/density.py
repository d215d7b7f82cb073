"""How many annotations lie where: counts per grid cell, the viewer's picture of a slide zoomed
out too far to draw every shape.

A density has a cell size ``cell`` (image pixels, a power of two) and counts the live
annotations of one image and frame per square cell ``[i * cell, (i + 1) * cell)`` by the
centre of their bounding box, per annotation type. Asked for a box, it returns the cells that
meet the box, whole: a pan by less than a cell changes nothing, and coarser cells are sums of
finer ones, so every zoom level agrees with the others.

Zoomed-out views cover most of an image: counting a million annotations takes SQLite a second
or two. So cells of ``BASE_CELL`` and coarser are summed from one grid of the whole image at
``BASE_CELL``, computed once and kept until the image changes (``density_cache``). Finer
cells only come with small views, which the spatial index answers directly. Rows changed
without a history row (a deleted annotation type takes its annotations with it) show after
the image's next change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import F, Func, IntegerField, QuerySet

from lamella.annotations import selectors
from lamella.annotations.density_cache import GridCache
from lamella.annotations.models import Annotation

BASE_CELL = 64
# Cell indices are packed into one int64 as (row << SHIFT) | column.
SHIFT = 21
MAX_INDEX = (1 << SHIFT) - 1
MAX_CELL = 1 << 20
# Cells per answer: 512 x 512, more than two screens of 8 px cells.
MAX_CELLS = 1 << 18
FETCH_ROWS = 65_536


class DensityError(ValueError):
    """A request the density cannot answer (a cell size that is not a power of two...)."""


@dataclass(frozen=True)
class Box:
    """A rectangle in level-0 image pixels, edges included."""

    x_min: float
    y_min: float
    x_max: float
    y_max: float


@dataclass(frozen=True)
class Density:
    """Non-empty cells meeting the box: column and row index, type id and count, in parallel."""

    cell: int
    x: np.ndarray
    y: np.ndarray
    annotation_type: np.ndarray
    n: np.ndarray

    @property
    def count(self) -> int:
        return int(self.n.sum())


class _CellIndex(Func):
    """``floor(expression / cell)`` as an integer. SQLite: a CAST truncates, which is the floor
    for the non-negative centres of annotations on the image (Django's FLOOR there is a Python
    function, called per row); PostgreSQL: its own floor, as a CAST would round."""

    template = "CAST(FLOOR(%(expressions)s) AS BIGINT)"
    output_field = IntegerField()

    def __init__(self, expression: Any, cell: int) -> None:
        super().__init__(expression / (2.0 * cell))

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = "CAST(%(expressions)s AS INTEGER)"
        return super().as_sql(compiler, connection, template=template, **extra_context)


def is_power_of_two(value: int) -> bool:
    return 0 < value <= MAX_CELL and value & (value - 1) == 0


def _binned(queryset: QuerySet[Annotation], cell: int) -> tuple[np.ndarray, ...]:
    """(keys, types, counts) of the annotations of ``queryset``, per cell of ``cell`` px.

    Rows go from the cursor straight into numpy, a batch at a time: no model objects and no
    per-row Python beyond the database driver's tuples.
    """
    columns = queryset.filter(x_min__isnull=False).values_list(
        _CellIndex(F("x_min") + F("x_max"), cell),
        _CellIndex(F("y_min") + F("y_max"), cell),
        "annotation_type_id",
    )
    parts = []
    try:
        sql, params = columns.query.sql_with_params()
    except EmptyResultSet:  # known empty without asking (``.none()``: an image without boxes)
        sql = None
    if sql is not None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(FETCH_ROWS):
                parts.append(np.array(rows, dtype=np.int64).reshape(-1, 3))
    table = np.concatenate(parts) if parts else np.zeros((0, 3), dtype=np.int64)
    xs = np.clip(table[:, 0], 0, MAX_INDEX)
    ys = np.clip(table[:, 1], 0, MAX_INDEX)
    return _counted((ys << SHIFT) | xs, table[:, 2], np.ones(len(table), dtype=np.int64))


def _counted(keys: np.ndarray, types: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, ...]:
    """Sum ``weights`` per distinct (key, type); sorted by key, then type."""
    type_values, rank = np.unique(types, return_inverse=True)
    pairs = keys * max(len(type_values), 1) + rank.ravel()
    unique, inverse = np.unique(pairs, return_inverse=True)
    sums = np.bincount(inverse.ravel(), weights=weights, minlength=len(unique))
    ntypes = max(len(type_values), 1)
    return unique // ntypes, type_values[unique % ntypes], sums.astype(np.int64)


def _summed(
    xs: np.ndarray, ys: np.ndarray, types: np.ndarray, counts: np.ndarray, window: tuple[int, ...]
) -> tuple[np.ndarray, ...]:
    """(x, y, type, n) per non-empty cell of ``window`` (x_lo, x_hi, y_lo, y_hi), the cells
    of ``xs, ys`` outside it left out. A dense count over the window: linear in the rows,
    where sorting a million base cells for every request would not be."""
    x_lo, x_hi, y_lo, y_hi = window
    inside = (xs >= x_lo) & (xs <= x_hi) & (ys >= y_lo) & (ys <= y_hi)
    xs, ys, types, counts = xs[inside], ys[inside], types[inside], counts[inside]
    type_values, rank = np.unique(types, return_inverse=True)
    ntypes = max(len(type_values), 1)
    width, height = x_hi - x_lo + 1, y_hi - y_lo + 1
    index = ((ys - y_lo) * width + (xs - x_lo)) * ntypes + rank.ravel()
    sums = np.bincount(index, weights=counts, minlength=width * height * ntypes)
    found = np.flatnonzero(sums)
    cells, ranks = found // ntypes, found % ntypes
    n = sums[found].astype(np.int64)
    return cells % width + x_lo, cells // width + y_lo, type_values[ranks], n


def _whole_image(image_id: int, frame: int) -> tuple[np.ndarray, ...]:
    return _binned(selectors.annotations_of_image(image=image_id, frame=frame), BASE_CELL)


GRIDS = GridCache(_whole_image)


def _cell_range(low: float, high: float, cell: int) -> tuple[int, int]:
    return max(int(low // cell), 0), min(int(high // cell), MAX_INDEX)


def annotation_density(
    *,
    image_id: int,
    frame: int,
    box: Box,
    cell: int,
    type_ids: list[int] | None = None,
    use_cache: bool = True,
) -> Density:
    """The cells of size ``cell`` meeting ``box`` with their counts per annotation type.

    ``use_cache=False`` counts from the database even for coarse cells (for tests and
    benchmarks: both ways give the same answer).
    """
    if not is_power_of_two(cell):
        raise DensityError(f"cell must be a power of two from 1 to {MAX_CELL}, not {cell}")
    x_lo, x_hi = _cell_range(box.x_min, box.x_max, cell)
    y_lo, y_hi = _cell_range(box.y_min, box.y_max, cell)
    if x_hi < x_lo or y_hi < y_lo:  # left of or above the image: nothing there
        empty = np.zeros(0, dtype=np.int64)
        return Density(cell, empty, empty, empty, empty)
    if (x_hi - x_lo + 1) * (y_hi - y_lo + 1) > MAX_CELLS:
        raise DensityError(f"at most {MAX_CELLS} cells per request: ask for larger cells")
    if cell >= BASE_CELL and use_cache:
        grid = GRIDS.get(image_id, frame)
        keys, types, counts = grid.keys, grid.types, grid.counts
        factor = cell // BASE_CELL
        xs, ys = (keys & MAX_INDEX) // factor, (keys >> SHIFT) // factor
    else:
        # Every annotation centred in those cells has a bbox meeting their union.
        rows = selectors.annotations_in_viewport(
            image=image_id, frame=frame,
            x_min=x_lo * cell, y_min=y_lo * cell, x_max=(x_hi + 1) * cell, y_max=(y_hi + 1) * cell,
        )  # fmt: skip
        keys, types, counts = _binned(rows, cell)
        xs, ys = keys & MAX_INDEX, keys >> SHIFT
    if type_ids is not None:
        wanted = np.isin(types, type_ids)
        xs, ys, types, counts = xs[wanted], ys[wanted], types[wanted], counts[wanted]
    x, y, annotation_type, n = _summed(xs, ys, types, counts, (x_lo, x_hi, y_lo, y_hi))
    return Density(cell, x, y, annotation_type, n)
