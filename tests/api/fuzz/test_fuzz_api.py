"""A short, seeded schemathesis run in-process: no operation of the OpenAPI schema answers 5xx,
and every response matches its documented schema.

The five-minute run against a real server is ``benchmarks/fuzz_api.py``; this variant keeps
``make test`` fast (a few examples per operation, derandomized) and runs as the team member of
``seed.py`` through Django's WSGI app, in the test database.
"""

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given, settings
from openapi_spec_validator import validate
from rest_framework.test import APIClient
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.api.fuzz.seed import World, seed

SCHEMA_URL = "/api/v1/openapi"
# Signing out mid-run would turn every later request into a 401.
EXCLUDE = r"(auth/token/logout|users/tokens)"
EXAMPLES_PER_OPERATION = 2

# Each request commits on its own, as in production: on PostgreSQL one failed statement inside
# a shared test transaction would fail every later request.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(transactional_db: None) -> World:
    return seed()


def test_the_openapi_schema_validates() -> None:
    response = APIClient().get(SCHEMA_URL, HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert "/api/v1/annotations/annotations/" in document["paths"]


def test_no_operation_answers_a_server_error_or_breaks_its_schema(world: World) -> None:
    """A few derandomized examples per operation; every 5xx and every response that does not
    match its documented schema is collected, then reported at once (no shrinking)."""
    loaded = schemathesis.openapi.from_wsgi(SCHEMA_URL + "?format=json", get_wsgi_application())
    headers = {"Authorization": f"Bearer {world.member_token}"}
    server_errors: list[str] = []
    nonconforming: list[str] = []
    requests = 0

    for result in loaded.exclude(path_regex=EXCLUDE).get_all_operations():
        if not isinstance(result, Ok):
            pytest.fail(f"the schema has an operation schemathesis cannot read: {result.err()}")
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            nonlocal requests
            requests += 1
            response = case.call(headers=headers)
            label = f"{response.status_code} {case.method} {case.formatted_path}"
            if response.status_code >= 500:
                server_errors.append(f"{label}: {response.content[:200]!r}")
            try:
                case.validate_response(response, checks=[response_schema_conformance])
            except (Failure, FailureGroup) as failure:
                nonconforming.append(f"{label}: {str(failure)[:300]}")

        call()

    assert requests >= EXAMPLES_PER_OPERATION * 100  # every operation was exercised
    assert server_errors == []
    assert nonconforming == []
