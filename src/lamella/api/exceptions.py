"""Every error as ``{"detail": "..."}``: DRF's own, validation errors, and database refusals.

Validation errors keep DRF's per-field dict under ``errors`` and are summarised in ``detail``,
so a client printing ``detail`` sees what was wrong.
"""

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


def summarise(errors: Any, prefix: str = "") -> list[str]:
    """Flatten DRF's nested error structure into ``field: message`` lines."""
    if isinstance(errors, dict):
        lines: list[str] = []
        for key, value in errors.items():
            name = str(key) if key != "non_field_errors" else ""
            lines += summarise(value, f"{prefix}.{name}" if prefix and name else prefix or name)
        return lines
    if isinstance(errors, list):
        if all(isinstance(item, str) for item in errors):
            return [f"{prefix}: {item}" if prefix else str(item) for item in errors]
        lines = []
        for index, item in enumerate(errors):
            if item:
                lines += summarise(item, f"{prefix}[{index}]" if prefix else f"[{index}]")
        return lines
    return [f"{prefix}: {errors}" if prefix else str(errors)]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, then ``{"detail"}`` for validation errors and known database refusals."""
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    response = exception_handler(exc, context)
    if response is not None:
        if not (isinstance(response.data, dict) and "detail" in response.data):
            response.data = {"detail": "; ".join(summarise(response.data)), "errors": response.data}
        return response
    if isinstance(exc, IntegrityError):
        logger.info("integrity error on %s: %s", context.get("request"), exc)
        return Response(
            {"detail": "This conflicts with an existing object (a unique field is taken)."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, ProtectedError | RestrictedError):
        return Response(
            {"detail": "Other objects still refer to this one; delete or move them first."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DataError):
        return Response(
            {"detail": "A value is out of range for its field."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    return None
