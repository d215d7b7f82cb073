"""An LRU of open slides per process, so a tile request does not reopen its file.

Opening costs milliseconds (OpenSlide parses the TIFF directories, tifffile its series);
serving a passthrough tile costs microseconds. Entries are keyed by path and modification
time, so a file replaced on disk is opened again. Evicted slides are not closed explicitly:
another thread may still be reading one, and the readers release their files when collected.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from lamella.slides import DeepZoom, NativeTiles, SlideReader, native_tiles, open_slide

DEFAULT_SIZE = 32
ACCESS_SIZE = 4096
#: How long a granted read of a tile is remembered, and who a tile request's credentials
#: belong to (``fastpath``): a revoked permission, a deleted image, a logout or a revoked
#: token takes effect on tiles within this many seconds.
ACCESS_TTL = 10.0


@dataclass
class OpenSlide:
    """An open slide with its Deep Zoom generators, built on first use."""

    path: Path
    reader: SlideReader
    native: NativeTiles | None
    mtime_ns: int = 0
    _deepzooms: dict[tuple[int, int], DeepZoom] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int]:
        """The file's identity in caches: its path and modification time."""
        return (str(self.path), self.mtime_ns)

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
        entry = OpenSlide(path, reader, native_tiles(path, reader), key[1])
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return entry

    def clear(self) -> None:
        """Forget every entry (tests, and after files are deleted), granted reads too."""
        with self._lock:
            self._entries.clear()
        granted.clear()
        callers.clear()
        rendered.clear()

    def __len__(self) -> int:
        return len(self._entries)


class GrantCache:
    """Recently granted reads of ready images, ``(user id, image id, checksum) -> Image``.

    A passthrough tile costs microseconds; the image lookup and permission check in front of
    it cost one or two queries and most of a millisecond of ORM work. Versioned tile URLs pin
    the image's content, so within ``ttl`` seconds only the permission could go stale.
    Entries are neither refreshed by reads nor ever older than ``ttl``: a grant is checked
    against the database again at least that often, however busy the tile.
    """

    def __init__(
        self,
        size: int = ACCESS_SIZE,
        ttl: float = ACCESS_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.size = size
        self.ttl = ttl
        self.clock = clock
        self._entries: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> Any | None:
        """The value remembered under ``key`` if it was put less than ``ttl`` ago."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if self.clock() - found[0] > self.ttl:
                del self._entries[key]
                return None
            return found[1]

    def put(self, key: tuple[Any, ...], value: Any) -> None:
        with self._lock:
            self._entries[key] = (self.clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RenderedTiles:
    """Encoded tiles that had to be rendered (levels the file lacks, other codecs, windows),
    an LRU bounded in bytes. Keys start with the slide's path and modification time, so a
    replaced file is rendered again. Low Deep Zoom levels are few tiles that every viewer asks
    for, and each may read a large region of the file: worth keeping."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> bytes | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: tuple[Any, ...], data: bytes) -> None:
        if len(data) > self.max_bytes // 8:
            return  # a huge tile would evict everything else
        with self._lock:
            previous = self._entries.pop(key, None)
            self.bytes += len(data) - (len(previous) if previous is not None else 0)
            self._entries[key] = data
            while self.bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self.bytes -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


granted = GrantCache()
#: The WSGI fast path's record of who sent a request context (``fastpath.Caller``).
callers = GrantCache()
rendered = RenderedTiles(int(getattr(settings, "RENDERED_TILE_CACHE_BYTES", 64 << 20)))
slides = SlideCache(int(getattr(settings, "SLIDE_CACHE_SIZE", DEFAULT_SIZE)))
