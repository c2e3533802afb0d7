"""Schemathesis against the OpenAPI schema, on the real app: anonymously, as a shopper and as a
seller (token auth), every operation, with the response checks on (no server error, statuses,
content types and bodies as the schema declares). Runs in CI on PostgreSQL, where NUL bytes and
integer ranges bite; a few examples per operation and a fixed seed keep it to about a minute.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import throttling
from schemathesis import GenerationMode, checks

from tests.api.seed import parameters_for, seed_world

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = 8

# Conformance of every response to the schema, and that auth is really required where declared.
# Not ``positive_data_acceptance``: a schema cannot say that a postal code has five digits or that
# a product is in stock, so a schema-valid request may rightly be refused with a 400 or a 409.
# Not ``negative_data_rejection``: a multipart field has no type on the wire, and an empty query
# parameter reads as an absent one, so some "invalid" requests are rightly served. Invalid requests
# are still sent (the negative cases below) and must not crash or answer off-schema.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
    checks.ignored_auth,
    checks.unsupported_method,
]


@pytest.fixture
def schema():
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def unthrottled(monkeypatch):
    """Hundreds of requests a minute from one client: the throttles' own tests are elsewhere."""
    monkeypatch.setattr(
        throttling.SimpleRateThrottle,
        "THROTTLE_RATES",
        dict.fromkeys(throttling.SimpleRateThrottle.THROTTLE_RATES, "100000/min"),
    )


@pytest.mark.parametrize("identity", ["anonymous", "shopper", "seller"])
def test_every_operation_answers_as_its_schema_says(identity, schema, unthrottled, postgres_only):
    # given
    world = seed_world()
    headers = {"Authorization": f"Token {world.tokens[identity]}"} if identity in world.tokens else {}
    failures: list[str] = []

    # when: each operation with ids that exist and with generated ones
    for result in schema.get_all_operations():
        operation = result.ok()
        names = [parameter.name for parameter in operation.path_parameters]
        strategies = [operation.as_strategy(), operation.as_strategy(GenerationMode.NEGATIVE)]
        if names:
            known = parameters_for(world, operation.path, names)
            strategies += [
                operation.as_strategy(path_parameters=known),
                operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=known),
            ]
        strategy = st.one_of(strategies)

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def check(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failures, reported together
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")

    # then
    assert not failures, "\n\n".join(failures)
