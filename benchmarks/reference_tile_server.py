"""A reference tile server: openslide-python's DeepZoomGenerator behind a bare WSGI app.

It stands for EXACT's tile view without its framework: Deep Zoom 254 px tiles with 1 px overlap
(``limit_bounds`` off, OpenSlide's defaults), every tile read through OpenSlide and encoded to
JPEG Q90, one cached generator per slide and process. No database, no auth, no middleware, so
the comparison with Lamella flatters the reference rather than Lamella.

Slides come from ``REFERENCE_SLIDES`` (``name=path`` pairs joined by ``os.pathsep``); routes:

    /<name>.dzi                          the DZI descriptor
    /<name>_files/<level>/<col>_<row>.jpeg   a tile

Run (same worker count and threads as ``lamella serve``)::

    REFERENCE_SLIDES=cmu=/path/CMU-1-Small-Region.svs PYTHONPATH=benchmarks \\
        .venv/bin/python -m granian --interface wsgi --workers 2 --no-ws \\
        --host 127.0.0.1 --port 8099 reference_tile_server:application
"""

from __future__ import annotations

import io
import os
import re
import threading
from collections.abc import Callable, Iterable
from typing import Any

import openslide
from openslide.deepzoom import DeepZoomGenerator

TILE_SIZE = 254
OVERLAP = 1
QUALITY = 90
_TILE = re.compile(r"^/(?P<name>[\w.-]+)_files/(?P<level>\d+)/(?P<col>\d+)_(?P<row>\d+)\.jpeg$")
_DZI = re.compile(r"^/(?P<name>[\w.-]+)\.dzi$")

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def _configured_slides() -> dict[str, str]:
    pairs = (
        item.split("=", 1) for item in os.environ.get("REFERENCE_SLIDES", "").split(os.pathsep)
    )
    return {name: path for name, path in (p for p in pairs if len(p) == 2)}


class Generators:
    """One DeepZoomGenerator per slide, opened on first use (OpenSlide objects are thread-safe)."""

    def __init__(self, paths: dict[str, str]) -> None:
        self.paths = paths
        self._generators: dict[str, DeepZoomGenerator] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> DeepZoomGenerator | None:
        """The generator of slide ``name``, or None when no such slide is configured."""
        with self._lock:
            found = self._generators.get(name)
            if found is None and name in self.paths:
                slide = openslide.OpenSlide(self.paths[name])
                found = DeepZoomGenerator(slide, tile_size=TILE_SIZE, overlap=OVERLAP)
                self._generators[name] = found
            return found


generators = Generators(_configured_slides())


def _respond(
    start_response: StartResponse, status: str, body: bytes, content_type: str
) -> Iterable[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """The WSGI entry point."""
    path = environ.get("PATH_INFO", "")
    if match := _TILE.match(path):
        generator = generators.get(match["name"])
        if generator is None:
            return _respond(start_response, "404 Not Found", b"no such slide", "text/plain")
        try:
            tile = generator.get_tile(int(match["level"]), (int(match["col"]), int(match["row"])))
        except ValueError:
            return _respond(start_response, "404 Not Found", b"no such tile", "text/plain")
        buffer = io.BytesIO()
        tile.save(buffer, "JPEG", quality=QUALITY)
        return _respond(start_response, "200 OK", buffer.getvalue(), "image/jpeg")
    if match := _DZI.match(path):
        generator = generators.get(match["name"])
        if generator is not None:
            xml = generator.get_dzi("jpeg").encode()
            return _respond(start_response, "200 OK", xml, "application/xml")
    return _respond(start_response, "404 Not Found", b"not found", "text/plain")
