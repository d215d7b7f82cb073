"""Request-level permission: anyone may read (rows are scoped), only signed-in users write.

Object-level decisions come from :mod:`lamella.accounts.policy` in the viewsets, never from
Django's global model permissions (which is why EXACT's v1 writes are superuser-only).
"""

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request


class ReadAnyWriteAuthenticated(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)


class Authenticated(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)
