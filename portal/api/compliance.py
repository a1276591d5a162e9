"""Compliance through the API: programs and milestones, the national matrix, an agency's detail."""

from __future__ import annotations

from typing import Any

from flask import request
from werkzeug.wrappers import Response

from core.actors import Role
from core.dates import tehran_today
from core.errors import NotFound
from core.web import get_session
from onboarding.compliance import queries as q
from onboarding.compliance import reports, services
from onboarding.compliance.models import Milestone
from portal.api import bp
from portal.api.compliance_schemas import (
    AGENCY_DETAIL,
    MATRIX,
    MATRIX_PARAMS,
    MILESTONE,
    MILESTONE_CREATE,
    MILESTONE_IF_MATCH,
    MILESTONE_UPDATE,
    PROGRAM,
    PROGRAM_CREATE,
    PROGRAM_IF_MATCH,
    PROGRAM_UPDATE,
    TAGS,
    agency_row_json,
    matrix_row_json,
    milestone_detail_json,
    milestone_json,
    program_json,
)
from portal.api.conditional import expected_version, tagged
from portal.api.openapi import ListOf, operation, validate_json
from portal.auth import current_actor, roles, signed_in


@bp.get("/programs")
@signed_in
@operation(summary="Programs and their milestones", tags=TAGS, response=ListOf(PROGRAM))
def list_programs() -> Any:
    return [program_json(p) for p in q.list_programs(get_session())]


@bp.post("/programs")
@roles(Role.platform_admin)
@operation(summary="Add a program", tags=TAGS, request_body=PROGRAM_CREATE, response=PROGRAM, status=201)
def create_program() -> Any:
    program = services.create_program(
        get_session(), current_actor(), validate_json(PROGRAM_CREATE), via="api"
    )
    return tagged(program_json(program), program.version, 201)


@bp.get("/programs/<int:program_id>")
@signed_in
@operation(
    summary="A program and its milestones; its ETag is what PATCH needs in If-Match",
    tags=TAGS,
    response=PROGRAM,
    headers={"ETag": "the program's version"},
)
def get_program(program_id: int) -> Any:
    program = q.get_program(get_session(), program_id)
    return tagged(program_json(program), program.version)


@bp.patch("/programs/<int:program_id>")
@roles(Role.platform_admin)
@operation(
    summary="Change a program (If-Match required)",
    tags=TAGS,
    request_body=PROGRAM_UPDATE,
    response=PROGRAM,
    parameters=[PROGRAM_IF_MATCH],
    errors=(412, 428),
    headers={"ETag": "the program's new version"},
)
def update_program(program_id: int) -> Any:
    expected = expected_version("program")
    body = validate_json(PROGRAM_UPDATE)
    program = services.update_program(
        get_session(), current_actor(), program_id, body, expected_version=expected, via="api"
    )
    return tagged(program_json(program), program.version)


@bp.post("/programs/<int:program_id>/milestones")
@roles(Role.platform_admin)
@operation(
    summary="Add a milestone", tags=TAGS, request_body=MILESTONE_CREATE, response=MILESTONE, status=201
)
def create_milestone(program_id: int) -> Any:
    body = validate_json(MILESTONE_CREATE)
    milestone = services.create_milestone(get_session(), current_actor(), program_id, body, via="api")
    return tagged(milestone_json(milestone), milestone.version, 201)


@bp.patch("/programs/<int:program_id>/milestones/<int:milestone_id>")
@roles(Role.platform_admin)
@operation(
    summary="Change a milestone (If-Match required: two concurrent edits give one 412)",
    tags=TAGS,
    request_body=MILESTONE_UPDATE,
    response=MILESTONE,
    parameters=[MILESTONE_IF_MATCH],
    errors=(412, 428),
    headers={"ETag": "the milestone's new version"},
)
def update_milestone(program_id: int, milestone_id: int) -> Any:
    expected = expected_version("milestone")
    body = validate_json(MILESTONE_UPDATE)
    _milestone_of(program_id, milestone_id)
    milestone = services.update_milestone(
        get_session(), current_actor(), milestone_id, body, expected_version=expected, via="api"
    )
    return tagged(milestone_json(milestone), milestone.version)


@bp.delete("/programs/<int:program_id>/milestones/<int:milestone_id>")
@roles(Role.platform_admin)
@operation(
    summary="Delete a milestone and its figures (If-Match required)",
    tags=TAGS,
    status=204,
    parameters=[MILESTONE_IF_MATCH],
    errors=(412, 428),
)
def delete_milestone(program_id: int, milestone_id: int) -> Response:
    expected = expected_version("milestone")
    _milestone_of(program_id, milestone_id)
    services.delete_milestone(
        get_session(), current_actor(), milestone_id, expected_version=expected, via="api"
    )
    return Response(status=204)


def _milestone_of(program_id: int, milestone_id: int) -> Milestone:
    milestone = q.get_milestone(get_session(), milestone_id)
    if milestone.program_id != program_id:
        raise NotFound("milestone not found", milestone_id=milestone_id)
    return milestone


@bp.get("/programs/<int:program_id>/matrix")
@roles(Role.platform_admin, Role.overseer, Role.auditor)
@operation(
    summary="Agencies × milestones, one page: value and status (the dashboard's matrix), and the summary",
    tags=TAGS,
    response=MATRIX,
    parameters=MATRIX_PARAMS,
)
def matrix(program_id: int) -> Any:
    filters = reports.parse_filters(request.args)
    board = reports.dashboard(get_session(), current_actor(), program_id, filters, with_choices=False)
    return {
        "program": program_json(board.program),
        "day": board.day.isoformat() if board.day else None,
        "summary": {str(k): v for k, v in board.summary.items()},
        "total": board.total,
        "page": board.page,
        "per_page": board.per_page,
        "rows": [matrix_row_json(row) for row in board.rows],
    }


@bp.get("/programs/<int:program_id>/agencies/<int:agency_id>")
@signed_in
@operation(
    summary="One agency: each milestone's latest figure, its trend, and the services below target",
    tags=TAGS,
    response=AGENCY_DETAIL,
)
def agency_detail(program_id: int, agency_id: int) -> Any:
    report = reports.agency_report(get_session(), current_actor(), program_id, agency_id, tehran_today())
    return {
        "agency": agency_row_json(report.agency),
        "milestones": [milestone_detail_json(d) for d in report.details],
    }
