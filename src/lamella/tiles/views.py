"""Tile views: native DZI (passthrough), EXACT's 254/1 DZI, thumbnail, patch, slide information.

Each view: check read access (404 when the user may not see the image), 409 while the image
is being converted, then one call into ``lamella.slides``. Versioned tile URLs (carrying the
start of the image's checksum) are immutable and answered with an ETag and a year of cache.
"""

from __future__ import annotations

import io
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from PIL import Image as PILImage

from lamella.images import storage
from lamella.images.http import HttpError, api_view
from lamella.images.models import Image
from lamella.slides import render_region
from lamella.tiles import selectors
from lamella.tiles.cache import OpenSlide
from lamella.tiles.selectors import (
    checksum_prefix,
    displays_from_query,
    exact_frame,
    get_readable_image,
    get_readable_version,
    int_param,
    open_image,
    query_frame,
)
from lamella.tiles.serving import (
    IMMUTABLE,
    NATIVE_FALLBACK_TILE,
    REVALIDATE,
    Headers,
    exact_tile_data,
    native_etag,
    native_tile_data,
    not_modified_headers,
    note_caller,
    tile_headers,
)

MAX_PATCH_SIDE = 2048
THUMBNAIL_SIDE = 128


def _only_get(request: HttpRequest) -> None:
    if request.method not in ("GET", "HEAD"):
        raise HttpError(405, f'Method "{request.method}" not allowed.')


def _check_version(image: Image, checksum: str | None) -> None:
    if checksum is not None and checksum != checksum_prefix(image):
        raise HttpError(404, "This tile URL is for another version of the image.")


@api_view
def native_dzi(request: HttpRequest, image_id: int, checksum: str | None = None) -> HttpResponse:
    """The DZI descriptor of the native grid: the file's own tiles, no overlap."""
    _only_get(request)
    image = get_readable_image(request.user, image_id)
    _check_version(image, checksum)
    opened = open_image(image)
    if opened.native is not None:
        xml = opened.native.grid.dzi()
    else:
        xml = opened.deepzoom(NATIVE_FALLBACK_TILE, 0).get_dzi("jpeg")
    response = HttpResponse(xml, content_type="application/xml")
    response["Cache-Control"] = IMMUTABLE if checksum else REVALIDATE
    return response


@api_view
def native_tile(
    request: HttpRequest,
    image_id: int,
    z: int,
    col: int,
    row: int,
    ext: str,
    checksum: str | None = None,
) -> HttpResponse:
    """A native tile: the stored JPEG bytes when possible, else rendered (frames, channel
    windows, PNG, levels the file lacks)."""
    _only_get(request)
    image, opened = get_readable_version(request.user, image_id, checksum)
    note_caller(request.META, request.user)
    etag = None if checksum is None else native_etag(checksum, z, col, row, ext, request.GET)
    if etag is not None and request.headers.get("If-None-Match") == etag:
        return _respond(b"", not_modified_headers(etag), status=304)
    data = native_tile_data(image, opened, (z, col, row), ext, request.GET)
    return _respond(data, tile_headers(ext, etag))


@api_view
def exact_dzi(request: HttpRequest, image_id: int, z_dim: int, frame: int) -> HttpResponse:
    """EXACT's DZI descriptor (OpenSlide's DeepZoomGenerator layout: 254 px, overlap 1)."""
    _only_get(request)
    image = get_readable_image(request.user, image_id)
    exact_frame(image, frame)
    xml = open_image(image).deepzoom().get_dzi("jpeg")
    response = HttpResponse(xml, content_type="application/xml")
    response["Cache-Control"] = REVALIDATE
    return response


@api_view
def exact_tile(
    request: HttpRequest,
    image_id: int,
    z_dim: int,
    frame: int,
    level: int,
    col: int,
    row: int,
    ext: str,
) -> HttpResponse:
    """A tile of EXACT's layout, rendered (``z_dim`` is EXACT's z-stack slot, unused)."""
    _only_get(request)
    image, opened = get_readable_version(request.user, image_id, None)
    note_caller(request.META, request.user)
    data = exact_tile_data(image, opened, (level, col, row), frame, ext, request.GET)
    return _respond(data, tile_headers(ext, None))


def _respond(data: bytes, headers: Headers, status: int = 200) -> HttpResponse:
    """A response with exactly ``headers`` (a 304 gets no Content-Type)."""
    response = HttpResponse(data, status=status)
    del response["Content-Type"]
    for name, value in headers:
        response[name] = value
    return response


@api_view
def thumbnail(request: HttpRequest, image_id: int) -> HttpResponse:
    """A PNG at most 128 x 128, made on first request and kept beside the image."""
    _only_get(request)
    image = get_readable_image(request.user, image_id)
    path = storage.derived_dir(image) / storage.THUMBNAIL_NAME
    if not path.is_file():
        _write_thumbnail(image, open_image(image), path)
    else:
        selectors.require_ready(image)
    response = HttpResponse(path.read_bytes(), content_type="image/png")
    response["Cache-Control"] = REVALIDATE
    return response


def _write_thumbnail(image: Image, opened: OpenSlide, path: Any) -> None:
    deepzoom = opened.deepzoom(1024, 0)
    # The largest Deep Zoom level that fits one 1024 px tile holds the whole image.
    z = max(i for i, (w, h) in enumerate(deepzoom.level_dimensions) if max(w, h) <= 1024)
    displays = displays_from_query(image, {})
    rgb = deepzoom.get_tile(z, (0, 0), frame=query_frame(image, {}), displays=displays)
    picture = PILImage.fromarray(rgb)
    picture.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), PILImage.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(buffer.getvalue())
    partial.replace(path)


@api_view
def get_patch(request: HttpRequest, image_id: int) -> HttpResponse:
    """A PNG region: ``x``, ``y`` in level-0 pixels, ``level``, ``width``, ``height`` (≤ 2048)."""
    _only_get(request)
    image = get_readable_image(request.user, image_id)
    query = request.GET
    x, y = int_param(query, "x"), int_param(query, "y")
    level = int_param(query, "level", 0)
    width, height = int_param(query, "width"), int_param(query, "height")
    if not (0 < width <= MAX_PATCH_SIDE and 0 < height <= MAX_PATCH_SIDE):
        raise HttpError(400, f"width and height must be 1..{MAX_PATCH_SIDE}, not {width}x{height}")
    opened = open_image(image)
    if not 0 <= level < opened.reader.level_count:
        raise HttpError(400, f"level {level} is out of range 0..{opened.reader.level_count - 1}")
    data = render_region(
        opened.reader,
        (x, y),
        level,
        (width, height),
        frame=query_frame(image, query),
        displays=displays_from_query(image, query),
        image_format="png",
    )
    return HttpResponse(data, content_type="image/png")


@api_view
def slide_information(request: HttpRequest, image_id: int) -> JsonResponse:
    """EXACT's shape: the id as a string, OpenSlide levels and Deep Zoom (254/1) tile counts."""
    _only_get(request)
    image = get_readable_image(request.user, image_id)
    opened = open_image(image)
    reader = opened.reader
    return JsonResponse(
        {
            "id": str(image.pk),
            "level_dimensions": [list(d) for d in reader.level_dimensions],
            "level_downsamples": list(reader.level_downsamples),
            "level_tiles": [list(t) for t in opened.deepzoom().level_tiles],
            "levels": reader.level_count,
        }
    )
