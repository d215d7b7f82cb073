"""Whole-image density grids kept between requests: in memory per process, and on disk, so
that the other web processes (and the next start) read a grid instead of counting again.

A grid counted over a million annotations costs SQLite a second or two; read from disk it
costs milliseconds. Either copy is used only while it is current: the annotation history is
append-only and gets a row for every write, so a grid computed when the newest history row
was ``stamp`` is valid until a row of its image appears after ``stamp``. The time of the
``stamp`` row is kept beside it: a database restored from a backup, or rolled back in a
test, has another row (or none) under that id, and the file is not trusted.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db.models import Max

from lamella.annotations.models import AnnotationHistory

logger = logging.getLogger(__name__)

# Grids kept per process: a million point annotations take about 20 MB.
CACHED_GRIDS = 8
Key = tuple[int, int]  # (image id, frame)


@dataclass
class Grid:
    """Counts per (cell key, type), and the history row they are current at."""

    stamp: int
    stamp_time: str
    keys: np.ndarray
    types: np.ndarray
    counts: np.ndarray


def _history_time(history_id: int) -> str:
    if not history_id:
        return ""
    found = AnnotationHistory.objects.filter(pk=history_id).values_list("time", flat=True)
    return found[0].isoformat() if found else "missing"


def _latest_history_id() -> int:
    return int(AnnotationHistory.objects.aggregate(top=Max("id"))["top"] or 0)


class GridCache:
    """Grids per (image, frame) from ``compute(image_id, frame)`` -> (keys, types, counts)."""

    def __init__(
        self,
        compute: Callable[[int, int], tuple[np.ndarray, ...]],
        *,
        size: int = CACHED_GRIDS,
        directory: Path | None = None,
    ) -> None:
        self.compute = compute
        self.size = size
        self.directory = directory
        self.grids: OrderedDict[Key, Grid] = OrderedDict()
        self.lock = threading.Lock()
        self.computing: dict[Key, threading.Lock] = {}

    def folder(self) -> Path:
        return self.directory or Path(settings.DATA_DIR) / "cache" / "density"

    def clear(self) -> None:
        with self.lock:
            self.grids.clear()

    def get(self, image_id: int, frame: int) -> Grid:
        key = (image_id, frame)
        with self.lock:
            computing = self.computing.setdefault(key, threading.Lock())
        # One thread computes a missing grid; the others wait for it instead of repeating it.
        with computing:
            top = _latest_history_id()
            grid = self._current(key, self._remembered(key), top)
            if grid is None:
                grid = self._current(key, self._read(key), top)
                if grid is None:
                    grid = Grid(top, _history_time(top), *self.compute(image_id, frame))
                    self._write(key, grid)
                self._remember(key, grid)
        return grid

    def _current(self, key: Key, grid: Grid | None, top: int) -> Grid | None:
        if grid is None or grid.stamp > top:
            return None
        if grid.stamp < top:
            changed = AnnotationHistory.objects.filter(
                id__gt=grid.stamp, id__lte=top, image_id_snapshot=key[0]
            ).exists()
            if changed:
                return None
            grid.stamp, grid.stamp_time = top, _history_time(top)
        return grid

    def _remembered(self, key: Key) -> Grid | None:
        with self.lock:
            grid = self.grids.get(key)
            if grid is not None:
                self.grids.move_to_end(key)
        return grid

    def _remember(self, key: Key, grid: Grid) -> None:
        with self.lock:
            self.grids[key] = grid
            self.grids.move_to_end(key)
            while len(self.grids) > self.size:
                self.grids.popitem(last=False)

    def _path(self, key: Key) -> Path:
        return self.folder() / f"image-{key[0]}-frame-{key[1]}.npz"

    def _read(self, key: Key) -> Grid | None:
        try:
            with np.load(self._path(key)) as stored:
                stamp, stamp_time = int(stored["stamp"]), str(stored["stamp_time"])
                grid = Grid(stamp, stamp_time, stored["keys"], stored["types"], stored["counts"])
        except (OSError, KeyError, ValueError):
            return None  # absent, or written by another version: count again
        return grid if _history_time(stamp) == stamp_time else None

    def _write(self, key: Key, grid: Grid) -> None:
        path = self._path(key)
        partial = path.with_name(f".{path.stem}.{os.getpid()}.{threading.get_ident()}.npz")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.savez(
                partial,
                stamp=grid.stamp,
                stamp_time=grid.stamp_time,
                keys=grid.keys,
                types=grid.types,
                counts=grid.counts,
            )
            partial.replace(path)
        except OSError:
            # Only a cache: the grid is still served from memory.
            logger.warning("could not keep the density grid in %s", path, exc_info=True)
            partial.unlink(missing_ok=True)
