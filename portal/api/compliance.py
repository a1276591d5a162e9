"""Compliance through the API: programs and milestones, the national matrix, an agency's detail."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from core.actors import Role
from core.dates import tehran_today
from core.errors import NotFound
from core.web import get_session
from onboarding.compliance import queries as q
from onboarding.compliance import reports, services
from onboarding.compliance.metrics import METRICS
from onboarding.compliance.models import Milestone, Program
from onboarding.compliance.schemas import REMIND_DAYS_MAX, STATUS_ORDER, TargetKind
from portal.api import bp
from portal.api.catalog import expected_version
from portal.api.openapi import if_match_param, operation, query_param, validate_json
from portal.auth import current_actor, roles, signed_in

TAGS = ["compliance"]
STATUSES = [str(s) for s in STATUS_ORDER]
NULLABLE_NUMBER = {"type": ["number", "null"]}

MILESTONE_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": "string"},
        "title_fa": {"type": "string"},
        "title_en": {"type": "string"},
        "metric": {"type": "string", "enum": sorted(METRICS)},
        "target_kind": {"type": "string", "enum": [k.value for k in TargetKind]},
        "target": {"type": "number"},
        "deadline": {"type": "string", "format": "date"},
        "scope_kinds": {"type": "array", "items": {"type": "string"}},
        "remind_days_before": {"type": "integer"},
        "position": {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1},
        "evidence_required": {"type": "boolean"},
        "evidence_window_days": {"type": "integer"},
        "evidence_min_availability": {"type": "number"},
        "version": {"type": "integer", "description": "what PATCH and DELETE need in If-Match"},
    },
}
PROGRAM_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": "string"},
        "title_fa": {"type": "string"},
        "title_en": {"type": "string"},
        "active": {"type": "boolean"},
        "version": {"type": "integer", "description": "the program's ETag, for If-Match"},
        "milestones": {"type": "array", "items": MILESTONE_SCHEMA},
    },
}
PROGRAM_IF_MATCH = if_match_param("the ETag from GET /programs/{program_id}")
MILESTONE_IF_MATCH = if_match_param(
    "the milestone's version (its `version`, or the ETag its POST or PATCH returned)"
)
PROGRAM_INPUT = {
    "type": "object",
    "required": ["code", "title_fa"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "string", "minLength": 1, "maxLength": 64},
        "title_fa": {"type": "string", "minLength": 1, "maxLength": 300},
        "title_en": {"type": "string", "maxLength": 300},
        "active": {"type": "boolean"},
    },
}
PROGRAM_PATCH = {**PROGRAM_INPUT, "required": []}
MILESTONE_INPUT = {
    "type": "object",
    "required": ["code", "title_fa", "metric", "deadline"],
    "additionalProperties": False,
    "properties": {
        "code": {"type": "string", "minLength": 1, "maxLength": 64},
        "title_fa": {"type": "string", "minLength": 1, "maxLength": 300},
        "title_en": {"type": "string", "maxLength": 300},
        "metric": {"type": "string", "enum": sorted(METRICS)},
        "target_kind": {"type": "string", "enum": [k.value for k in TargetKind]},
        "target": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "deadline": {"type": "string", "description": "ISO date (2024-11-20) or Jalali (1403/08/30)"},
        "scope_kinds": {"type": "array", "items": {"type": "string"}},
        "remind_days_before": {"type": "integer", "minimum": 0, "maximum": REMIND_DAYS_MAX},
        "position": {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1},
        "evidence_required": {
            "type": "boolean",
            "description": "count a service (inquiry) only while its probes show it answering",
        },
        "evidence_window_days": {"type": "integer", "minimum": 1, "maximum": 90},
        "evidence_min_availability": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
        "version": {"type": "integer", "description": "what PATCH and DELETE need in If-Match"},
    },
}
MILESTONE_PATCH = {**MILESTONE_INPUT, "required": []}
CELL_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"type": "string", "enum": STATUSES},
        "value": NULLABLE_NUMBER,
        "numerator": {"type": "integer"},
        "denominator": {"type": "integer"},
        "group_value": NULLABLE_NUMBER,
        "group_numerator": {"type": "integer"},
        "group_denominator": {"type": "integer"},
    },
}
AGENCY_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "code": {"type": "string"},
        "name_fa": {"type": "string"},
        "name_en": {"type": "string"},
        "kind": {"type": "string"},
        "province_code": {"type": ["string", "null"]},
        "ministry_id": {"type": ["integer", "null"]},
    },
}
MATRIX_SCHEMA = {
    "type": "object",
    "properties": {
        "program": PROGRAM_SCHEMA,
        "day": {"type": ["string", "null"], "format": "date"},
        "summary": {"type": "object", "additionalProperties": {"type": "object"}},
        "total": {"type": "integer", "description": "agencies matching the filters, on every page"},
        "page": {"type": "integer"},
        "per_page": {"type": "integer"},
        "rows": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "agency": AGENCY_SCHEMA,
                    "cells": {"type": "object", "additionalProperties": CELL_SCHEMA},
                },
            },
        },
    },
}
AGENCY_DETAIL_SCHEMA = {
    "type": "object",
    "properties": {
        "agency": AGENCY_SCHEMA,
        "milestones": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "milestone": MILESTONE_SCHEMA,
                    "latest": {"oneOf": [CELL_SCHEMA, {"type": "null"}]},
                    "trend": {"type": "array", "items": {"type": "object"}},
                    "needed": {"type": "integer"},
                    "shortfall": {"type": "array", "items": {"type": "object"}},
                },
            },
        },
    },
}
MATRIX_PARAMS = [
    query_param("ministry", {"type": "integer"}, "only agencies under this ministry"),
    query_param("kind", {"type": "string"}, "agency kind"),
    query_param("province", {"type": "string"}, "province code"),
    query_param("status", {"type": "string", "enum": STATUSES}, "agencies with a cell of this status"),
    query_param("q", {"type": "string"}, "search in the agency's code and names"),
    query_param(
        "sort",
        {"type": "string"},
        "laggards (default: worst status first), name, ministry, kind, province or m<milestone id>",
    ),
    query_param("order", {"type": "string", "enum": ["asc", "desc"]}),
    query_param("page", {"type": "integer", "minimum": 1}, "page number (from 1)"),
    query_param("per_page", {"type": "integer", "minimum": 1, "maximum": 200}, "rows per page (default 50)"),
]


def _milestone(m: Milestone) -> dict[str, Any]:
    return {
        "id": m.id,
        "code": m.code,
        "title_fa": m.title_fa,
        "title_en": m.title_en,
        "metric": m.metric,
        "target_kind": m.target_kind,
        "target": m.target,
        "deadline": m.deadline.isoformat(),
        "scope_kinds": m.scope_kinds,
        "remind_days_before": m.remind_days_before,
        "position": m.position,
        "evidence_required": m.evidence_required,
        "evidence_window_days": m.evidence_window_days,
        "evidence_min_availability": m.evidence_min_availability,
        "version": m.version,
    }


def _program(p: Program) -> dict[str, Any]:
    return {
        "id": p.id,
        "code": p.code,
        "title_fa": p.title_fa,
        "title_en": p.title_en,
        "active": p.active,
        "version": p.version,
        "milestones": [_milestone(m) for m in p.milestones],
    }


def _agency(a: q.AgencyRow, ministry_id: int | None = None) -> dict[str, Any]:
    return {
        "id": a.id,
        "code": a.code,
        "name_fa": a.name_fa,
        "name_en": a.name_en,
        "kind": a.kind,
        "province_code": a.province_code,
        "ministry_id": ministry_id,
    }


@bp.get("/programs")
@signed_in
@operation(
    summary="Programs and their milestones", tags=TAGS, response={"type": "array", "items": PROGRAM_SCHEMA}
)
def list_programs() -> Any:
    return [_program(p) for p in q.list_programs(get_session())]


@bp.post("/programs")
@roles(Role.platform_admin)
@operation(
    summary="Add a program", tags=TAGS, request_body=PROGRAM_INPUT, response=PROGRAM_SCHEMA, status=201
)
def create_program() -> Any:
    program = services.create_program(get_session(), current_actor(), validate_json(PROGRAM_INPUT), via="api")
    return _tagged(_program(program), program.version, 201)


def _tagged(body: dict[str, Any], version: int, status: int = 200) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.set_etag(str(version))
    return response


@bp.get("/programs/<int:program_id>")
@signed_in
@operation(
    summary="A program and its milestones; its ETag is what PATCH needs in If-Match",
    tags=TAGS,
    response=PROGRAM_SCHEMA,
    headers={"ETag": "the program's version"},
)
def get_program(program_id: int) -> Any:
    program = q.get_program(get_session(), program_id)
    return _tagged(_program(program), program.version)


@bp.patch("/programs/<int:program_id>")
@roles(Role.platform_admin)
@operation(
    summary="Change a program (If-Match required)",
    tags=TAGS,
    request_body=PROGRAM_PATCH,
    response=PROGRAM_SCHEMA,
    parameters=[PROGRAM_IF_MATCH],
    errors=(412, 428),
    headers={"ETag": "the program's new version"},
)
def update_program(program_id: int) -> Any:
    expected = expected_version("program")
    body = validate_json(PROGRAM_PATCH)
    program = services.update_program(
        get_session(), current_actor(), program_id, body, expected_version=expected, via="api"
    )
    return _tagged(_program(program), program.version)


@bp.post("/programs/<int:program_id>/milestones")
@roles(Role.platform_admin)
@operation(
    summary="Add a milestone", tags=TAGS, request_body=MILESTONE_INPUT, response=MILESTONE_SCHEMA, status=201
)
def create_milestone(program_id: int) -> Any:
    body = validate_json(MILESTONE_INPUT)
    milestone = services.create_milestone(get_session(), current_actor(), program_id, body, via="api")
    return _tagged(_milestone(milestone), milestone.version, 201)


@bp.patch("/programs/<int:program_id>/milestones/<int:milestone_id>")
@roles(Role.platform_admin)
@operation(
    summary="Change a milestone (If-Match required: two concurrent edits give one 412)",
    tags=TAGS,
    request_body=MILESTONE_PATCH,
    response=MILESTONE_SCHEMA,
    parameters=[MILESTONE_IF_MATCH],
    errors=(412, 428),
    headers={"ETag": "the milestone's new version"},
)
def update_milestone(program_id: int, milestone_id: int) -> Any:
    expected = expected_version("milestone")
    body = validate_json(MILESTONE_PATCH)
    _milestone_of(program_id, milestone_id)
    milestone = services.update_milestone(
        get_session(), current_actor(), milestone_id, body, expected_version=expected, via="api"
    )
    return _tagged(_milestone(milestone), milestone.version)


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
    response=MATRIX_SCHEMA,
    parameters=MATRIX_PARAMS,
)
def matrix(program_id: int) -> Any:
    filters = reports.parse_filters(request.args)
    board = reports.dashboard(get_session(), current_actor(), program_id, filters, with_choices=False)
    return {
        "program": _program(board.program),
        "day": board.day.isoformat() if board.day else None,
        "summary": {str(k): v for k, v in board.summary.items()},
        "total": board.total,
        "page": board.page,
        "per_page": board.per_page,
        "rows": [
            {
                "agency": _agency(row.agency, row.ministry.id if row.ministry else None),
                "cells": {str(mid): vars(cell) for mid, cell in row.cells.items()},
            }
            for row in board.rows
        ],
    }


@bp.get("/programs/<int:program_id>/agencies/<int:agency_id>")
@signed_in
@operation(
    summary="One agency: each milestone's latest figure, its trend, and the services below target",
    tags=TAGS,
    response=AGENCY_DETAIL_SCHEMA,
)
def agency_detail(program_id: int, agency_id: int) -> Any:
    report = reports.agency_report(get_session(), current_actor(), program_id, agency_id, tehran_today())
    return {
        "agency": _agency(report.agency),
        "milestones": [
            {
                "milestone": _milestone(d.milestone),
                "latest": None
                if d.latest is None
                else {
                    "day": d.latest.day.isoformat(),
                    "status": d.latest.status,
                    "value": d.latest.value,
                    "numerator": d.latest.numerator,
                    "denominator": d.latest.denominator,
                    "projected": d.latest.projected,
                    "group_value": d.latest.group_value,
                    "group_numerator": d.latest.group_numerator,
                    "group_denominator": d.latest.group_denominator,
                },
                "trend": [{"day": day.isoformat(), "value": value} for day, value in d.trend],
                "needed": d.needed,
                "shortfall": [
                    {
                        "service_id": s.service_id,
                        "code": s.code,
                        "name_fa": s.name_fa,
                        "have": s.have,
                        "need": s.need,
                    }
                    for s in d.shortfall
                ],
            }
            for d in report.details
        ],
    }
