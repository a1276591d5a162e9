"""Schemathesis against /api/v1/openapi.json, through the app's WSGI interface, as each role with a
real API token, on PostgreSQL.

Every documented operation is fuzzed with valid and with invalid inputs, then statefully (the links
Schemathesis infers from the document: a service created, then read, changed, retired…). No answer
may be a 5xx, every answer must match the document (status codes, content type, body, headers),
agency B's rows do not change unless a platform admin changes them, and B's names never show to
agency A's people. Valid inputs are pointed at real objects of A or B half the time, so the fuzzer
gets past "no such object" and tries the other agency's ids too.

Bounded and reproducible: few examples per operation and mode, derandomized (the same inputs every
run), no example database, no deadline, no shrinking; each example and each stateful scenario runs
in a savepoint rolled back after it (B's rows are compared before that), so every one meets the
same database and Hypothesis never sees data that depends on an earlier example.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core.actors import Role
from tests.fixtures.fuzzing import (
    OTHER_MARKERS,
    PORTAL_ROLES,
    FuzzWorld,
    UnhandledErrors,
    agency_rows,
    unhandled_errors,
)

CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 2}
# No shrinking: the database keeps what earlier examples wrote, so a replayed example meets another
# state; a failure is reported as first found (with its curl command) instead of as a flaky replay.
STATELESS = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
# chains of up to 10 calls: the document grew (agencies, tenant services, conditional writes of programs,
# milestones, workloads and data centers), and at 5 no derandomized chain reached a link's success
STATEFUL = settings(STATELESS, max_examples=6, stateful_step_count=10)
AGENCY_ROLES = {Role.agency_admin, Role.agency_member}
# path parameter or body field → the key of the object it names in FuzzWorld's ids
REFERENCES = {
    "agency_id": "agency",
    "service_id": "service",
    "data_center_id": "data_center",
    "workload_id": "workload",
    "plan_id": "plan",
    "run_id": "run",
}


def _aim(case: Any, world: FuzzWorld, side: str) -> Any:
    """Point the case's references at agency A's objects ('own') or B's ('other'), or leave them."""
    if side == "generated":
        return case
    ids = world.own_ids if side == "own" else world.other_ids
    agency = world.own if side == "own" else world.other
    for name in case.path_parameters:
        if name in REFERENCES:
            case.path_parameters[name] = ids[REFERENCES[name]]
        elif name == "program_id":
            case.path_parameters[name] = world.program_id
    if isinstance(case.body, dict):
        for name, value in list(case.body.items()):
            if name in REFERENCES and isinstance(value, int | float) and not isinstance(value, bool):
                case.body[name] = ids[REFERENCES[name]]
            elif name == "agency" and isinstance(value, str):
                case.body[name] = agency.code
    return case


def _strategy(operation: Any, mode: GenerationMode, world: FuzzWorld) -> Any:
    strategy = operation.as_strategy(generation_mode=mode)
    if mode != GenerationMode.POSITIVE:
        return strategy
    sides = st.sampled_from(["own", "other", "generated"])
    return st.tuples(strategy, sides).map(lambda pair: _aim(pair[0], world, pair[1]))


class Answers:
    """What the fuzzer saw: (operation, status) pairs, every 5xx with the exception behind it, and
    B's names wherever they showed."""

    def __init__(self, role: Role, errors: UnhandledErrors) -> None:
        self.role = role
        self.errors = errors
        self.seen: set[tuple[str, int]] = set()
        self.leaks: list[str] = []
        self.server_errors: list[str] = []
        self.linked: set[str] = set()  # operations the stateful phase reached through a link

    def record(self, case: Any, response: Any) -> bool:
        """Whether the answer is worth checking against the document (a 5xx is already a failure)."""
        self.seen.add((case.operation.label, response.status_code))
        causes = self.errors.take()
        if response.status_code >= 500:
            self.server_errors.append(
                f"{case.operation.label} {response.status_code} {causes}: {case.as_curl_command()}"
            )
        if self.role in AGENCY_ROLES:
            text = response.text if hasattr(response, "text") else response.get_data(as_text=True)
            self.leaks += [f"{case.operation.label}: {m}" for m in OTHER_MARKERS if m in text]
        return response.status_code < 500


@contextlib.contextmanager
def _rolled_back(connection: Any, check: Callable[[], None]) -> Iterator[None]:
    """One example's writes, checked (`check`: nothing of agency B changed) and then undone: every
    example (and every replay of one) meets the same database, so what Hypothesis draws never
    depends on what an earlier example left."""
    savepoint = connection.begin_nested()
    try:
        yield
        check()
    finally:
        savepoint.rollback()


def _fuzz_each_operation(
    schema: Any, world: FuzzWorld, headers: dict[str, str], answers: Answers, connection: Any, check: Any
) -> int:
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        for mode, examples in EXAMPLES.items():

            @given(case=_strategy(operation, mode, world))
            @settings(STATELESS, max_examples=examples)
            def fuzz(case: Any) -> None:
                with _rolled_back(connection, check):
                    response = case.call(headers=headers)
                    if answers.record(case, response):
                        case.validate_response(response, checks=CHECKS, headers=headers)

            fuzz()
    return len(operations)


def _start_chain(case: Any, world: FuzzWorld) -> None:
    """Chains start from objects created in agency A (a random agency code is only a 422), and a
    chain's conditional write (If-Match required) goes through: missing and stale If-Match are the
    stateless phase's, and the If-Match tests' (428/412)."""
    if not case.path_parameters:
        _aim(case, world, "own")
    if case.headers and "If-Match" in case.headers:
        case.headers["If-Match"] = "*"


def _fuzz_statefully(
    schema: Any, world: FuzzWorld, headers: dict[str, str], answers: Answers, connection: Any, check: Any
) -> None:
    base = schema.as_state_machine()

    class Workflow(base):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            self.savepoint = connection.begin_nested()  # each scenario starts from the same database

        def teardown(self) -> None:
            try:
                check()
            finally:
                self.savepoint.rollback()

        def before_call(self, case: Any) -> None:
            _start_chain(case, world)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers}

        def step(self, input: Any) -> Any:
            output = super().step(input)
            if input.transition is not None and input.is_applied and output.response.status_code < 300:
                answers.linked.add(input.case.operation.label)
            return output

        def validate_response(self, response: Any, case: Any, additional_checks=None, **kwargs: Any) -> None:
            if answers.record(case, response):
                case.validate_response(
                    response, checks=CHECKS, headers=headers, transport_kwargs=kwargs, recorder=self.recorder
                )

    Workflow.run(settings=STATEFUL)


@pytest.mark.parametrize("role", PORTAL_ROLES, ids=str)
def test_api_never_fails_and_keeps_its_word(
    app, db_session, platform_connection, fuzz_world, api_headers, role
):
    headers = api_headers(fuzz_world.users[role])
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    before = agency_rows(db_session, fuzz_world.other.id)

    def other_agency_unchanged() -> None:
        if role != Role.platform_admin:
            assert agency_rows(db_session, fuzz_world.other.id) == before

    with unhandled_errors(app) as errors:
        answers = Answers(role, errors)
        args = (schema, fuzz_world, headers, answers, platform_connection, other_agency_unchanged)
        walked = _fuzz_each_operation(*args)
        _fuzz_statefully(*args)

    assert walked >= 30
    assert answers.server_errors == []
    assert answers.leaks == []
    # the fuzzer got past validation and authorisation too, not only into error paths
    reached = {label for label, status in answers.seen if status < 300}
    assert {
        "GET /services",
        "GET /services/{service_id}",
        "GET /migration/workloads/{workload_id}",
    } <= reached
    if role in {Role.platform_admin, Role.agency_admin}:
        assert {"POST /services", "PATCH /services/{service_id}", "POST /migration/plans"} <= reached
        assert answers.linked, "the stateful phase followed links from what it created"
