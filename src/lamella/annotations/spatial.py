"""The spatial key of an annotation: a loose quadtree cell, indexed by a plain B-tree.

Every annotation with a bbox gets one integer ``cell``, computed by the database from the bbox
columns (a stored generated column, so no write path can forget it):

- its *level* ``L`` is the smallest of 7..30 with ``max(width, height) < 2**L`` (31 beyond);
- its *cell* at that level is ``(floor(y_min / 2**L), floor(x_min / 2**L))``, the coordinates
  clamped to ``[0, 2**21)`` cells;
- the key packs the three: ``L * 2**42 + row * 2**21 + column``.

An annotation of level ``L`` lies inside its cell extended by one cell to the right and below
(it starts in the cell and is narrower than one). So a viewport finds every annotation that
may intersect it by reading, per level, the cells it overlaps plus one row above and one
column to the left: one contiguous key range per row (:func:`viewport_ranges`). The bbox
columns are then compared exactly.

Why not SQLite's R*Tree and PostgreSQL's GiST, which the first version used: both cost most
of a bulk insert (R*Tree ~10 µs a row, GiST ~7 µs; a B-tree entry ~1-2 µs) and neither
answered a viewport faster than these ~60 range scans do (docs/performance.md, "Viewport
queries"). SQL Server's spatial indexes are grids over B-trees for the same reason.
"""

from typing import Any

from django.db.models import BigIntegerField, Func

MIN_LEVEL = 7  # cells of 128 px: the smallest cell a 2000 x 1500 viewport reads ~200 of
MAX_LEVEL = 30
OVERFLOW_LEVEL = 31  # bboxes of 2**30 px or more; a viewport reads the whole level
ROW = 1 << 21  # cells per row and rows per level
LEVEL = 1 << 42
LAST_CELL = ROW - 1


def _ladder(size: str, then: str) -> str:
    """``CASE WHEN size < 2**L THEN <then(L)> ...`` over the levels, smallest first."""
    cases = " ".join(
        f"WHEN {size} < {1 << level} THEN {then.format(level=level, size=float(1 << level))}"
        for level in range(MIN_LEVEL, MAX_LEVEL + 1)
    )
    last = then.format(level=OVERFLOW_LEVEL, size=float(1 << OVERFLOW_LEVEL))
    return f"(CASE {cases} ELSE {last} END)"


def cell_key_sql(x0: str, y0: str, x1: str, y1: str, *, vendor: str) -> str:
    """SQL computing the key from the bbox columns (NULL without a bbox).

    Portable functions only: a stored column must be computable by any client of the file,
    so no Python function registered by Django (SQLite has no ``floor`` without one; a cast
    of a non-negative real truncates, which is the floor). PostgreSQL's cast rounds instead,
    hence ``floor`` there.
    """
    if vendor == "postgresql":
        span = f"greatest({x1} - {x0}, {y1} - {y0})"

        def cell(value: str) -> str:
            return f"least(floor(greatest({value}, 0) / {_ladder(span, '{size}')}), {LAST_CELL})"

        key = (
            f"{_ladder(span, '{level}')}::bigint * {LEVEL}"
            f" + ({cell(y0)})::bigint * {ROW} + ({cell(x0)})::bigint"
        )
    else:
        span = f"max({x1} - {x0}, {y1} - {y0})"

        def cell(value: str) -> str:
            size = _ladder(span, "{size}")
            return f"min(CAST(max({value}, 0) / {size} AS INTEGER), {LAST_CELL})"

        key = f"{_ladder(span, '{level}')} * {LEVEL} + {cell(y0)} * {ROW} + {cell(x0)}"
    missing = " OR ".join(f"{column} IS NULL" for column in (x0, y0, x1, y1))
    return f"(CASE WHEN {missing} THEN NULL ELSE {key} END)"


class CellKey(Func):
    """The key as an expression of the four bbox columns, for the model's generated field."""

    output_field = BigIntegerField()

    def __init__(self, x0: Any, y0: Any, x1: Any, y1: Any) -> None:
        super().__init__(x0, y0, x1, y1)

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        parts, params = [], []
        for expression in self.source_expressions:
            sql, more = compiler.compile(expression)
            parts.append(sql)
            params.extend(more)
        # Each column appears many times in the SQL: inline them, so no parameter repeats.
        if params:
            raise ValueError("the cell key takes columns, not parameters")
        return cell_key_sql(*parts, vendor=connection.vendor), []


def _cell(value: float, size: int) -> int:
    return min(max(int(max(value, 0.0) // size), 0), LAST_CELL)


def level_of(key: int) -> int:
    return key // LEVEL


def viewport_ranges(
    x_min: float, y_min: float, x_max: float, y_max: float, top_level: int = OVERFLOW_LEVEL
) -> list[tuple[int, int]]:
    """Key ranges holding every annotation whose bbox may intersect the viewport.

    ``top_level``: the highest level any annotation of the image has (``level_of`` its
    largest key); the levels above hold nothing, and each range costs the planner time.
    """
    ranges: list[tuple[int, int]] = []
    for level in range(MIN_LEVEL, min(top_level, MAX_LEVEL) + 1):
        size = 1 << level
        first_column = max(_cell(x_min, size) - 1, 0)
        last_column = _cell(x_max, size)
        first_row, last_row = max(_cell(y_min, size) - 1, 0), _cell(y_max, size)
        base = level * LEVEL
        if first_column == 0 and last_column == LAST_CELL:  # whole rows: one range
            ranges.append((base + first_row * ROW, base + last_row * ROW + LAST_CELL))
            continue
        for row in range(first_row, last_row + 1):
            start = base + row * ROW
            ranges.append((start + first_column, start + last_column))
    if top_level >= OVERFLOW_LEVEL:
        ranges.append((OVERFLOW_LEVEL * LEVEL, (OVERFLOW_LEVEL + 1) * LEVEL - 1))
    return ranges


def viewport_ranges_sql(x_min: str, y_min: str, x_max: str, y_max: str) -> str:
    """A PostgreSQL query of rows ``(lo, hi)``: :func:`viewport_ranges` for ``top_level``
    31, computed by the server from four float8 expressions (placeholders, usually), each
    used once, in the order of the arguments.

    Computed there, a viewport sends four numbers instead of two arrays of ~60 keys, and the
    client skips the Python loop: ~0.35 ms of a ~2 ms query (docs/performance.md).
    """

    def cell(value: str) -> str:
        return f"least(floor(greatest({value}, 0) / s.size), {LAST_CELL})::int8"

    whole = f"(g.c0 = 0 AND g.c1 = {LAST_CELL})"
    return (
        f"SELECT g.base + r * {ROW} + g.c0 AS lo,"
        f" g.base + CASE WHEN {whole} THEN g.r1 * {ROW} + {LAST_CELL}"
        f" ELSE r * {ROW} + g.c1 END AS hi"
        f" FROM (SELECT s.level::int8 * {LEVEL} AS base,"
        f" greatest({cell(x_min)} - 1, 0) AS c0, greatest({cell(y_min)} - 1, 0) AS r0,"
        f" {cell(x_max)} AS c1, {cell(y_max)} AS r1"
        f" FROM (SELECT level, (2::float8) ^ level AS size"
        f" FROM generate_series({MIN_LEVEL}, {MAX_LEVEL}) AS level) AS s) AS g"
        f" CROSS JOIN LATERAL generate_series(g.r0, CASE WHEN {whole} THEN g.r0 ELSE g.r1 END)"
        " AS r"
        f" UNION ALL SELECT {OVERFLOW_LEVEL * LEVEL}, {(OVERFLOW_LEVEL + 1) * LEVEL - 1}"
    )
