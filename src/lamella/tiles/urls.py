"""Tile routes: the native DZI (versioned by checksum) and EXACT's routes, slash optional.

Mounted before the REST API's router so that ``api/v1/images/images/<id>/…`` resolves here.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import re_path

from lamella.tiles import views

API = r"^api/v1/images/images/(?P<image_id>\d+)/"
SESSION = r"^images/image/(?P<image_id>\d+)/"
VERSION = r"(?P<checksum>[0-9a-f]{16})/"
TILE = r"(?P<z>\d+)/(?P<col>\d+)_(?P<row>\d+)\.(?P<ext>jpeg|jpg|png)/?$"
EXACT_DZI = r"(?P<z_dim>\d+)/(?P<frame>\d+)/tile/?$"
EXACT_TILE = (
    r"(?P<z_dim>\d+)/(?P<frame>\d+)/tile_files/"
    r"(?P<level>\d+)/(?P<col>\d+)_(?P<row>\d+)\.(?P<ext>jpeg|png)/?$"
)
# The tile routes, also matched by ``fastpath`` in front of Django.
NATIVE_TILE = API + r"dzi_files/" + TILE
NATIVE_TILE_VERSIONED = API + VERSION + r"dzi_files/" + TILE
EXACT_TILE_API = API + EXACT_TILE
EXACT_TILE_SESSION = SESSION + EXACT_TILE


def _ints(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """URL groups arrive as strings; the views take ints (the checksum and ext stay text).
    ``wraps`` keeps the view's ``csrf_exempt`` mark: a POST gets the view's JSON 405, not
    the CSRF middleware's HTML 403."""

    @wraps(view)
    def wrapped(request: HttpRequest, **kwargs: Any) -> HttpResponseBase:
        for key, value in kwargs.items():
            if key not in ("checksum", "ext"):
                kwargs[key] = int(value)
        return view(request, **kwargs)

    return wrapped


urlpatterns = [
    re_path(API + r"dzi\.dzi/?$", _ints(views.native_dzi), name="tiles-dzi"),
    re_path(API + VERSION + r"dzi\.dzi/?$", _ints(views.native_dzi), name="tiles-dzi-versioned"),
    re_path(NATIVE_TILE, _ints(views.native_tile), name="tiles-tile"),
    re_path(NATIVE_TILE_VERSIONED, _ints(views.native_tile), name="tiles-tile-versioned"),
    re_path(API + EXACT_DZI, _ints(views.exact_dzi), name="tiles-exact-dzi"),
    re_path(EXACT_TILE_API, _ints(views.exact_tile), name="tiles-exact-tile"),
    re_path(SESSION + EXACT_DZI, _ints(views.exact_dzi), name="tiles-session-dzi"),
    re_path(EXACT_TILE_SESSION, _ints(views.exact_tile), name="tiles-session-tile"),
    re_path(API + r"thumbnail/?$", _ints(views.thumbnail), name="tiles-thumbnail"),
    re_path(API + r"get_patch/?$", _ints(views.get_patch), name="tiles-patch"),
    re_path(
        API + r"slide_information/?$", _ints(views.slide_information), name="tiles-information"
    ),
]
