"""Schemathesis against /api/v1/openapi.json, through the app's WSGI interface with a real token.

Every documented operation is fuzzed with valid and with invalid inputs: no answer may be a 500,
and every answer must match the document (status codes, content type, body schema, headers).
Bounded (a few examples per operation and mode) so the whole walk takes well under a minute.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from catalog import services
from core.actors import SYSTEM, Role
from tests.fixtures.catalog import service_data

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _in_own_agency(case):
    """A valid new service names an agency the fuzzer cannot guess: point valid bodies at agency A."""
    body = case.body
    if case.operation.label == "POST /services" and isinstance(body, dict):
        agency = body.get("agency")
        if isinstance(agency, str) and agency.isascii():
            body["agency"] = "TMA"
    return case


def _strategy(operation, mode):
    strategy = operation.as_strategy(generation_mode=mode)
    return strategy.map(_in_own_agency) if mode == GenerationMode.POSITIVE else strategy


EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 10}


def test_api_never_fails_and_keeps_its_word(app, db_session, tree, make_user, api_headers):
    services.create_service(db_session, SYSTEM, tree.a.id, service_data())
    headers = api_headers(make_user(Role.agency_admin, agency=tree.a))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {
        "GET /services",
        "PATCH /services/{service_id}",
        "POST /descriptors",
    }
    walked, answers = [], set()
    for operation in operations:
        for mode, examples in EXAMPLES.items():

            @given(case=_strategy(operation, mode))
            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def fuzz(case) -> None:
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                answers.add((case.operation.label, response.status_code))

            fuzz()
            walked.append((operation.label, mode.value))
    assert len(walked) == 2 * len(operations)
    # the fuzzer got past validation too, not only into error paths
    assert {("POST /services", 201), ("GET /services", 200), ("POST /descriptors", 422)} <= answers
