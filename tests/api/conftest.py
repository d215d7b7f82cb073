"""API clients for the fixed cast, and a small annotated image for annotation tests."""

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from lamella.annotations.models import AnnotationType, Product
from tests import factories
from tests.conftest import Cast


@pytest.fixture
def client_for() -> Callable[[Any], APIClient]:
    """``client_for(user)``: an API client signed in as ``user`` (anonymous for None)."""

    def make(user: Any) -> APIClient:
        client = APIClient()
        if user is not None and getattr(user, "is_authenticated", False):
            client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def product(cast: Cast) -> Product:
    return factories.make_product(team=cast.team, image_sets=(cast.image_set,))


@pytest.fixture
def box_type(product: Product) -> AnnotationType:
    return factories.make_annotation_type(product=product, vector_type=1, name="cell")


def box(x1: int = 10, y1: int = 10, x2: int = 50, y2: int = 40, **extra: Any) -> dict[str, Any]:
    return {"x1": x1, "y1": y1, "x2": x2, "y2": y2, **extra}
