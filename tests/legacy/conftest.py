"""Clients that authenticate as SlideRunner does (HTTP Basic), and a typed image set."""

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from lamella.annotations.models import AnnotationType, Product
from tests import factories
from tests.conftest import Cast


class LegacyClient:
    """A Django test client sending ``Authorization: Basic`` for ``user`` (none if anonymous)."""

    def __init__(self, user: Any) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None and getattr(user, "is_authenticated", False):
            raw = f"{user.username}:{factories.PASSWORD}".encode()
            self.headers["Authorization"] = "Basic " + base64.b64encode(raw).decode()

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self.headers)

    def post_json(self, path: str, body: Any) -> Any:
        return self.client.post(
            path, json.dumps(body), content_type="application/json", headers=self.headers
        )

    def post_form(self, path: str, fields: dict[str, Any]) -> Any:
        return self.client.post(path, fields, headers=self.headers)


@pytest.fixture
def as_user() -> Callable[[Any], LegacyClient]:
    return LegacyClient


@pytest.fixture
def product(cast: Cast) -> Product:
    return factories.make_product(team=cast.team, image_sets=(cast.image_set,))


@pytest.fixture
def box_type(product: Product) -> AnnotationType:
    return factories.make_annotation_type(product=product, vector_type=1, name="cell")


def box(x1: int = 10, y1: int = 10, x2: int = 50, y2: int = 40) -> dict[str, int]:
    return {"x1": x1, "y1": y1, "x2": x2, "y2": y2}
