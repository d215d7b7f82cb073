"""Personal access tokens: issued once in plain text, stored as a sha256 hash.

The plain text is ``pat_<prefix>.<secret>`` like EXACT's; the prefix lets a user recognise a
token in a list without the server keeping anything that would let it be replayed.
"""

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.db.models import Q
from django.utils import timezone

from lamella.accounts.models import PersonalAccessToken

TOKEN_PREFIX = "pat_"
# last_used_at is a hint for the user, not an audit log: one write per minute per token is enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_token(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def issue_token(
    *, user: Any, name: str, expires_at: dt.datetime | None = None
) -> tuple[PersonalAccessToken, str]:
    """Create a token for ``user``; returns the row and the plain text, shown only this once."""
    prefix = secrets.token_hex(4)
    plaintext = f"{TOKEN_PREFIX}{prefix}.{secrets.token_urlsafe(32)}"
    token = PersonalAccessToken.objects.create(
        user=user, name=name, prefix=prefix, token_hash=hash_token(plaintext), expires_at=expires_at
    )
    return token, plaintext


def find_active_token(plaintext: str) -> PersonalAccessToken | None:
    """The active token with this plain text (``pat_`` optional), its user joined, or None."""
    candidates = {plaintext, f"{TOKEN_PREFIX}{plaintext}"}
    now = timezone.now()
    token = (
        PersonalAccessToken.objects.select_related("user")
        .filter(token_hash__in=[hash_token(text) for text in candidates], revoked_at=None)
        .filter(Q(expires_at=None) | Q(expires_at__gt=now))
        .first()
    )
    if token is None:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def revoke_token(*, token: PersonalAccessToken) -> PersonalAccessToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
