"""The compliance API's shapes and the one serialiser of each type it answers with.

Each shape is declared once (portal/api/openapi.py `shape`) and referred to by `$ref` wherever it is
used; limits come from the compliance rules (`onboarding.compliance.schemas`)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from onboarding.compliance import queries as q
from onboarding.compliance.metrics import METRICS
from onboarding.compliance.models import ComplianceSnapshot, Milestone, Program
from onboarding.compliance.reports import Cell, MatrixRow, MilestoneDetail
from onboarding.compliance.schemas import (
    EVIDENCE_WINDOW_DAYS_MAX,
    MAX_LENGTHS,
    REMIND_DAYS_MAX,
    STATUS_ORDER,
    TargetKind,
)
from portal.api.openapi import JSON, if_match_param, nullable, query_param, shape

TAGS = ["compliance"]
STATUSES = [str(s) for s in STATUS_ORDER]
NULLABLE_NUMBER = {"type": ["number", "null"]}
POSITION = {"type": "integer", "minimum": -(2**31), "maximum": 2**31 - 1}
VERSION = {"type": "integer", "description": "what PATCH and DELETE need in If-Match"}
METRIC = {"type": "string", "enum": sorted(METRICS)}
TARGET_KIND = {"type": "string", "enum": [k.value for k in TargetKind]}


def _input(required: list[str], properties: JSON) -> JSON:
    return {"type": "object", "required": required, "additionalProperties": False, "properties": properties}


# --- shapes --------------------------------------------------------------------------------------

MILESTONE = shape(
    "Milestone",
    {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "title_fa": {"type": "string"},
            "title_en": {"type": "string"},
            "metric": METRIC,
            "target_kind": TARGET_KIND,
            "target": {"type": "number"},
            "deadline": {"type": "string", "format": "date"},
            "scope_kinds": {"type": "array", "items": {"type": "string"}},
            "remind_days_before": {"type": "integer"},
            "position": POSITION,
            "evidence_required": {"type": "boolean"},
            "evidence_window_days": {"type": "integer"},
            "evidence_min_availability": {"type": "number"},
            "version": VERSION,
        },
    },
)
PROGRAM = shape(
    "Program",
    {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "title_fa": {"type": "string"},
            "title_en": {"type": "string"},
            "active": {"type": "boolean"},
            "version": {"type": "integer", "description": "the program's ETag, for If-Match"},
            "milestones": {"type": "array", "items": MILESTONE.ref},
        },
    },
)
# The fields a program and a milestone are written with: creating needs some, changing none.
_TITLES: JSON = {
    "code": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTHS["code"]},
    "title_fa": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTHS["title_fa"]},
    "title_en": {"type": "string", "maxLength": MAX_LENGTHS["title_en"]},
}
_PROGRAM_FIELDS: JSON = {**_TITLES, "active": {"type": "boolean"}}
_MILESTONE_FIELDS: JSON = {
    **_TITLES,
    "metric": METRIC,
    "target_kind": TARGET_KIND,
    "target": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
    "deadline": {"type": "string", "description": "ISO date (2024-11-20) or Jalali (1403/08/30)"},
    "scope_kinds": {"type": "array", "items": {"type": "string"}},
    "remind_days_before": {"type": "integer", "minimum": 0, "maximum": REMIND_DAYS_MAX},
    "position": POSITION,
    "evidence_required": {
        "type": "boolean",
        "description": "count a service (inquiry) only while its probes show it answering",
    },
    "evidence_window_days": {"type": "integer", "minimum": 1, "maximum": EVIDENCE_WINDOW_DAYS_MAX},
    "evidence_min_availability": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
    "version": VERSION,
}
PROGRAM_CREATE = shape("ProgramCreate", _input(["code", "title_fa"], _PROGRAM_FIELDS))
PROGRAM_UPDATE = shape("ProgramUpdate", _input([], _PROGRAM_FIELDS))
MILESTONE_CREATE = shape(
    "MilestoneCreate", _input(["code", "title_fa", "metric", "deadline"], _MILESTONE_FIELDS)
)
MILESTONE_UPDATE = shape("MilestoneUpdate", _input([], _MILESTONE_FIELDS))
_CELL_FIGURES: JSON = {
    "status": {"type": "string", "enum": STATUSES},
    "value": NULLABLE_NUMBER,
    "numerator": {"type": "integer"},
    "denominator": {"type": "integer"},
    "group_value": NULLABLE_NUMBER,
    "group_numerator": {"type": "integer"},
    "group_denominator": {"type": "integer"},
    "declared_value": {
        **NULLABLE_NUMBER,
        "description": "where evidence is required: the declared figure (value: the evidenced)",
    },
    "declared_numerator": {"type": ["integer", "null"]},
}
CELL = shape("ComplianceCell", {"type": "object", "properties": _CELL_FIGURES})
SNAPSHOT = shape(
    "ComplianceFigure",
    {
        "type": "object",
        "description": "a milestone's figure for an agency on one day",
        "properties": {
            "day": {"type": "string", "format": "date"},
            "projected": NULLABLE_NUMBER,
            **_CELL_FIGURES,
        },
    },
)
COMPLIANCE_AGENCY = shape(
    "ComplianceAgency",
    {
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
    },
)
MATRIX_ROW = shape(
    "ComplianceMatrixRow",
    {
        "type": "object",
        "properties": {
            "agency": COMPLIANCE_AGENCY.ref,
            "cells": {"type": "object", "additionalProperties": CELL.ref},
        },
    },
)
MATRIX = shape(
    "ComplianceMatrix",
    {
        "type": "object",
        "properties": {
            "program": PROGRAM.ref,
            "day": {"type": ["string", "null"], "format": "date"},
            "summary": {"type": "object", "additionalProperties": {"type": "object"}},
            "total": {"type": "integer", "description": "agencies matching the filters, on every page"},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "rows": {"type": "array", "items": MATRIX_ROW.ref},
        },
    },
)
TREND_POINT = shape(
    "ComplianceTrendPoint",
    {"type": "object", "properties": {"day": {"type": "string", "format": "date"}, "value": NULLABLE_NUMBER}},
)
SHORTFALL = shape(
    "ComplianceShortfall",
    {
        "type": "object",
        "description": "a service keeping the agency below target, and what it needs",
        "properties": {
            "service_id": {"type": "integer"},
            "code": {"type": "string"},
            "name_fa": {"type": "string"},
            "have": {"type": "string"},
            "need": {"type": "string"},
        },
    },
)
MILESTONE_DETAIL = shape(
    "ComplianceMilestoneDetail",
    {
        "type": "object",
        "properties": {
            "milestone": MILESTONE.ref,
            "latest": nullable(SNAPSHOT),
            "trend": {"type": "array", "items": TREND_POINT.ref},
            "needed": {"type": "integer"},
            "shortfall": {"type": "array", "items": SHORTFALL.ref},
        },
    },
)
AGENCY_DETAIL = shape(
    "ComplianceAgencyDetail",
    {
        "type": "object",
        "properties": {
            "agency": COMPLIANCE_AGENCY.ref,
            "milestones": {"type": "array", "items": MILESTONE_DETAIL.ref},
        },
    },
)

# --- parameters ----------------------------------------------------------------------------------

PROGRAM_IF_MATCH = if_match_param("the ETag from GET /programs/{program_id}")
MILESTONE_IF_MATCH = if_match_param(
    "the milestone's version (its `version`, or the ETag its POST or PATCH returned)"
)
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

# --- serialisers: one a type ---------------------------------------------------------------------


def milestone_json(m: Milestone) -> JSON:
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


def program_json(p: Program) -> JSON:
    return {
        "id": p.id,
        "code": p.code,
        "title_fa": p.title_fa,
        "title_en": p.title_en,
        "active": p.active,
        "version": p.version,
        "milestones": [milestone_json(m) for m in p.milestones],
    }


def agency_row_json(a: q.AgencyRow, ministry_id: int | None = None) -> JSON:
    return {
        "id": a.id,
        "code": a.code,
        "name_fa": a.name_fa,
        "name_en": a.name_en,
        "kind": a.kind,
        "province_code": a.province_code,
        "ministry_id": ministry_id,
    }


def cell_json(cell: Cell) -> JSON:
    return dataclasses.asdict(cell)


def matrix_row_json(row: MatrixRow) -> JSON:
    return {
        "agency": agency_row_json(row.agency, row.ministry.id if row.ministry else None),
        "cells": {str(mid): cell_json(cell) for mid, cell in row.cells.items()},
    }


def snapshot_json(s: ComplianceSnapshot) -> JSON:
    return {
        "day": s.day.isoformat(),
        "status": s.status,
        "value": s.value,
        "numerator": s.numerator,
        "denominator": s.denominator,
        "projected": s.projected,
        "group_value": s.group_value,
        "group_numerator": s.group_numerator,
        "group_denominator": s.group_denominator,
        "declared_value": s.declared_value,
        "declared_numerator": s.declared_numerator,
    }


def trend_point_json(point: tuple[dt.date, float | None]) -> JSON:
    day, value = point
    return {"day": day.isoformat(), "value": value}


def shortfall_json(s: q.Shortfall) -> JSON:
    return {"service_id": s.service_id, "code": s.code, "name_fa": s.name_fa, "have": s.have, "need": s.need}


def milestone_detail_json(d: MilestoneDetail) -> JSON:
    return {
        "milestone": milestone_json(d.milestone),
        "latest": None if d.latest is None else snapshot_json(d.latest),
        "trend": [trend_point_json(point) for point in d.trend],
        "needed": d.needed,
        "shortfall": [shortfall_json(s) for s in d.shortfall],
    }
