"""Bearer personal access tokens and djoser's ``Token`` header.

Both keywords look up the same hashed :class:`PersonalAccessToken`; ``POST
/api/auth/token/login/`` (documented in EXACT's README) issues one. The class also names the
``WWW-Authenticate`` challenge, so missing credentials get 401 rather than 403.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from lamella.accounts.models import PersonalAccessToken
from lamella.api.tokens import find_active_token

KEYWORDS = (b"bearer", b"token")


class PersonalAccessTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer pat_<prefix>.<secret>`` or ``Authorization: Token <same>``."""

    def authenticate(self, request: Request) -> tuple[Any, PersonalAccessToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: expected one token."))
        try:
            plaintext = parts[1].decode()
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        token = find_active_token(plaintext)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class PersonalAccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "lamella.api.authentication.PersonalAccessTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}
