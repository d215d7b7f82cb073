"""The decorator every legacy route wears: DRF's ``api_view`` with the API's authentication.

Bearer/Token personal access tokens, Basic and the session (with CSRF on writes), exactly as
on ``/api/v1/``; reads are open (the policy decides what is visible), writes need a user.
Domain errors become a 400 ``{"detail": ...}``; 404 and 403 come from the access helpers.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny, IsAuthenticated

from lamella.annotations.services import AnnotationInputError, VectorError
from lamella.api.authentication import PersonalAccessTokenAuthentication
from lamella.legacy.services import Conflict

AUTHENTICATION = [PersonalAccessTokenAuthentication, BasicAuthentication, SessionAuthentication]

View = Callable[..., Any]


def legacy_route(methods: list[str], *, write: bool = False) -> Callable[[View], View]:
    """Wrap a view for ``methods``; ``write`` views refuse anonymous users with 401."""

    def decorate(view: View) -> View:
        view = permission_classes([IsAuthenticated] if write else [AllowAny])(view)
        view = authentication_classes(AUTHENTICATION)(view)
        return api_view(methods)(view)

    return decorate


@contextmanager
def bad_input_is_400() -> Iterator[None]:
    """Turn the services' refusals (bad vector, duplicate, unknown field) into a 400."""
    try:
        yield
    except (VectorError, AnnotationInputError, Conflict) as exc:
        raise ParseError(str(exc)) from exc
