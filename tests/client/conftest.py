"""A live server (real HTTP) and a client signed in as the cast's team member with a token."""

from collections.abc import Iterator
from typing import Any

import pytest

from lamella.annotations.models import AnnotationType, Product
from lamella.api.tokens import issue_token
from lamella.client import Client
from tests import factories
from tests.conftest import Cast


@pytest.fixture(autouse=True)
def committed(transactional_db: None) -> None:
    """The live server runs in another thread with its own connection: data must be committed."""


@pytest.fixture
def member_token(cast: Cast) -> str:
    _, plaintext = issue_token(user=cast.member, name="client tests")
    return plaintext


def connect(url: str, **credentials: Any) -> Client:
    """A client for the live server; use it in ``with`` so that its connections are closed."""
    return Client(url, **credentials)


@pytest.fixture
def lamella(live_server: Any, member_token: str) -> Iterator[Client]:
    """The client as the team member (not a superuser), authenticated by a Bearer token."""
    with connect(live_server.url, token=member_token) as client:
        yield client


@pytest.fixture
def product(cast: Cast) -> Product:
    return factories.make_product(team=cast.team, image_sets=(cast.image_set,))


@pytest.fixture
def box_type(product: Product) -> AnnotationType:
    return factories.make_annotation_type(product=product, vector_type=1, name="cell")
