"""Plain Django views with the API's authentication and JSON errors, without DRF's overhead.

``api_view`` authenticates as the REST API does (Bearer/Token, Basic, then the session, with
CSRF enforced for session writes) and turns the errors views raise into ``{"detail": ...}``
with the right status. Tile views stay plain functions: DRF's content negotiation and
renderers cost more than a passthrough tile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.http import Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from lamella.images.services import UploadError
from lamella.slides import SlideError, TooLarge

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponseBase]
_SAFE = ("GET", "HEAD", "OPTIONS")


class HttpError(Exception):
    """An error answered as ``{"detail": detail}`` with ``status``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def json_error(status: int, detail: str) -> JsonResponse:
    """``{"detail": detail}`` with ``status``."""
    return JsonResponse({"detail": detail}, status=status)


def _authenticate(request: HttpRequest) -> None:
    classes = cast(list[type[Any]], api_settings.DEFAULT_AUTHENTICATION_CLASSES)
    drf_request = Request(request, authenticators=[cls() for cls in classes])
    request.user = drf_request.user  # raises APIException for bad credentials or CSRF


def api_view(view: View) -> View:
    """Authenticate like the REST API and map raised errors to JSON 4xx answers."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            # Session-only reads skip DRF: the middleware has already set request.user.
            if "HTTP_AUTHORIZATION" in request.META or request.method not in _SAFE:
                _authenticate(request)
            return view(request, *args, **kwargs)
        except APIException as exc:
            return json_error(exc.status_code, str(exc.detail))
        except HttpError as exc:
            return json_error(exc.status, exc.detail)
        except UploadError as exc:
            return json_error(exc.status, exc.detail)
        except TooLarge as exc:
            return json_error(413, str(exc))
        except SlideError as exc:
            return json_error(400, str(exc))
        except Http404 as exc:
            return json_error(404, str(exc) or "Not found.")

    return csrf_exempt(wrapped)
