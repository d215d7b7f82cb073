"""An LRU of open slides per process, so a tile request does not reopen its file.

Opening costs milliseconds (OpenSlide parses the TIFF directories, tifffile its series);
serving a passthrough tile costs microseconds. Entries are keyed by path and modification
time, so a file replaced on disk is opened again. Evicted slides are not closed explicitly:
another thread may still be reading one, and the readers release their files when collected.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from lamella.slides import DeepZoom, NativeTiles, SlideReader, native_tiles, open_slide

DEFAULT_SIZE = 32


@dataclass
class OpenSlide:
    """An open slide with its Deep Zoom generators, built on first use."""

    path: Path
    reader: SlideReader
    native: NativeTiles | None
    _deepzooms: dict[tuple[int, int], DeepZoom] = field(default_factory=dict)

    def deepzoom(self, tile_size: int = 254, overlap: int = 1) -> DeepZoom:
        """A Deep Zoom generator (EXACT's layout by default: 254 px tiles, 1 px overlap)."""
        key = (tile_size, overlap)
        found = self._deepzooms.get(key)
        if found is None:
            found = DeepZoom(self.reader, tile_size=tile_size, overlap=overlap)
            self._deepzooms[key] = found
        return found


class SlideCache:
    """A thread-safe LRU of ``OpenSlide`` entries."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, int], OpenSlide] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: Path) -> OpenSlide:
        """The open slide at ``path``; raises ``SlideError`` when it cannot be opened."""
        key = (str(path), path.stat().st_mtime_ns)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry
        # Opened outside the lock: a slow open must not stall tiles of other slides.
        reader = open_slide(path, max_pixels=settings.MAX_IMAGE_PIXELS)
        entry = OpenSlide(path, reader, native_tiles(path, reader))
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return entry

    def clear(self) -> None:
        """Forget every entry (tests, and after files are deleted)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


slides = SlideCache(int(getattr(settings, "SLIDE_CACHE_SIZE", DEFAULT_SIZE)))
