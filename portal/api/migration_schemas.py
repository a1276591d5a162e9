"""The migration API's shapes (declared once each, portal/api/openapi.py `shape`: they validate
requests and are the document's components) and the one serialiser of each type it answers with
(kept apart from the routes so each module reads at once)."""

from __future__ import annotations

from typing import Any

from onboarding.inventory.models import Classification, DataCenterStatus
from onboarding.landing.plans import CLOUD_PLANS
from onboarding.plans.services import MAX_WAVE
from portal.api.openapi import shape

TAGS = ["migration"]
ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
CLASSIFICATION = {"type": "string", "enum": [c.value for c in Classification]}
COMPONENT = shape(
    "WorkloadComponent",
    {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string"},
            "image": {"type": ["string", "null"]},
            "ports": {"type": "array", "items": {"type": "integer"}},
            "replicas": {"type": "integer"},
            "cpu": {"type": "string"},
            "memory": {"type": "string"},
            "storage": {"type": ["string", "null"]},
            "env": {"type": "object", "additionalProperties": {"type": "string"}},
            "secrets": {"type": "array", "items": {"type": "string"}},
            "read_only_root": {"type": "boolean"},
            "liveness_path": {"type": ["string", "null"]},
            "readiness_path": {"type": ["string", "null"]},
            "expose": {"type": "boolean"},
        },
    },
)
WORKLOAD = shape(
    "Workload",
    {
        "type": "object",
        "properties": {
            "id": ID,
            "agency_id": ID,
            "data_center_id": ID,
            "name": {"type": "string"},
            "title": {"type": "string"},
            "classification": CLASSIFICATION,
            "status": {"type": "string"},
            "components": {"type": "array", "items": COMPONENT.ref},
            "depends_on": {"type": "array", "items": {"type": "string"}},
            "service_ids": {"type": "array", "items": ID},
            "inquiry_ids": {"type": "array", "items": ID},
            "assessment": {"type": ["object", "null"]},
            "version": {"type": "integer", "description": "the workload's ETag, for If-Match"},
        },
    },
)
# A workload's writable fields: adding one needs its agency too, and some of these; a change, none.
_WORKLOAD_FIELDS = {
    "data_center_id": ID,
    "name": {"type": "string"},
    "title": {"type": "string"},
    "classification": CLASSIFICATION,
    "components": {"type": "array", "items": COMPONENT.ref},
    "service_ids": {"type": "array", "items": ID},
    "depends_on_ids": {"type": "array", "items": ID},
    "inquiry_ids": {"type": "array", "items": ID},
}
WORKLOAD_IN = shape(
    "WorkloadCreate",
    {
        "type": "object",
        "required": ["agency_id", "data_center_id", "name", "components"],
        "additionalProperties": False,
        "properties": {"agency_id": ID, **_WORKLOAD_FIELDS},
    },
)
WORKLOAD_PATCH = shape(
    "WorkloadUpdate",
    {"type": "object", "required": [], "additionalProperties": False, "properties": _WORKLOAD_FIELDS},
)
_CAPACITY = {
    "servers": {"type": ["integer", "null"], "minimum": 0},
    "racks": {"type": ["integer", "null"], "minimum": 0},
    "power_kw": {"type": ["integer", "null"], "minimum": 0, "description": "power in kilowatts"},
    "yearly_cost_rials": {"type": ["integer", "null"], "minimum": 0, "description": "yearly cost in rials"},
}
_DATA_CENTER_PROPERTIES = {
    "id": ID,
    "agency_id": ID,
    "name": {"type": "string"},
    "location": {"type": "string"},
    "owner": {"type": "string"},
    "status": {"type": "string"},
    **_CAPACITY,
    "version": {"type": "integer", "description": "the data center's ETag, for If-Match"},
}
DATA_CENTER = shape("DataCenter", {"type": "object", "properties": _DATA_CENTER_PROPERTIES})
DATA_CENTER_PROGRESS = shape(
    "DataCenterProgress",
    {
        "type": "object",
        "properties": {
            **_DATA_CENTER_PROPERTIES,
            "remaining": {"type": "integer", "description": "workloads still in the data center"},
            "migrated": {"type": "integer"},
        },
    },
)
CONSOLIDATION = shape(
    "Consolidation",
    {
        "type": "object",
        "required": ["remaining", "migrated", "retired", "data_centers"],
        "properties": {
            "remaining": {"type": "integer"},
            "migrated": {"type": "integer"},
            "retired": {"type": "integer", "description": "data centers retired"},
            "data_centers": {"type": "array", "items": DATA_CENTER_PROGRESS.ref},
        },
    },
)
DATA_CENTER_PATCH = shape(
    "DataCenterUpdate",
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string"},
            "location": {"type": "string"},
            "owner": {"type": "string"},
            "status": {"type": "string", "enum": [s.value for s in DataCenterStatus]},
            **_CAPACITY,
        },
    },
)
DATA_CENTER_IN = shape(
    "DataCenterCreate",
    {
        "type": "object",
        "required": ["agency_id", "name"],
        "additionalProperties": False,
        "properties": {
            "agency_id": ID,
            "name": {"type": "string"},
            "location": {"type": "string"},
            "owner": {"type": "string"},
            **_CAPACITY,
        },
    },
)
ASSESSMENT_IN = shape(
    "AssessmentInput",
    {
        "type": "object",
        "required": ["answers"],
        "additionalProperties": False,
        "properties": {
            "answers": {"type": "object", "additionalProperties": {"type": "string"}},
            "strategy": {"type": ["string", "null"]},
            "override_reason": {"type": "string"},
        },
    },
)
PLAN = shape(
    "Plan",
    {
        "type": "object",
        "properties": {
            "id": ID,
            "agency_id": ID,
            "name": {"type": "string"},
            "cloud_plan": {"type": "string"},
            "waves": {"type": "array"},
        },
    },
)
PLAN_IN = shape(
    "PlanCreate",
    {
        "type": "object",
        "required": ["agency_id", "name", "cloud_plan"],
        "additionalProperties": False,
        "properties": {
            "agency_id": ID,
            "name": {"type": "string"},
            "cloud_plan": {"enum": sorted(CLOUD_PLANS)},
        },
    },
)
WAVE_IN = shape(
    "WaveCreate",
    {
        "type": "object",
        "required": ["number"],
        "additionalProperties": False,
        "properties": {
            "number": {"type": "integer", "minimum": 1, "maximum": MAX_WAVE},
            "name": {"type": "string"},
            "target_date": {"type": ["string", "null"], "description": "Jalali, e.g. 1404/01/15"},
        },
    },
)
ENTRY_IN = shape(
    "PlanEntryCreate",
    {
        "type": "object",
        "required": ["wave", "workload_id"],
        "additionalProperties": False,
        "properties": {"wave": {"type": "integer"}, "workload_id": ID},
    },
)
RUN_IN = shape(
    "RunStart",
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {"cloud_plan": {"enum": sorted(CLOUD_PLANS)}},
    },
)
RUN = shape(
    "Run",
    {
        "type": "object",
        "required": ["id", "status", "progress", "steps"],
        "properties": {
            "id": ID,
            "workload": {"type": "string"},
            "status": {"type": "string"},
            "progress": {"type": "integer"},
            "error": {"type": "string"},
            "finished": {"type": "boolean"},
            "steps": {"type": "array"},
            "log": {"type": "array"},
        },
    },
)


def workload_json(w: Any) -> dict[str, Any]:
    assessment = w.assessment
    return {
        "id": w.id,
        "agency_id": w.agency_id,
        "data_center_id": w.data_center_id,
        "name": w.name,
        "title": w.title,
        "classification": str(w.classification),
        "status": str(w.status),
        "components": w.components,
        "depends_on": [d.name for d in w.depends_on],
        "service_ids": [s.id for s in w.services],
        "inquiry_ids": [s.id for s in w.inquiries],
        "version": w.version,
        "assessment": None
        if assessment is None
        else {
            "score": assessment.score,
            "risks": assessment.risks,
            "recommended": str(assessment.recommended),
            "strategy": str(assessment.strategy),
            "override_reason": assessment.override_reason,
            "questionnaire_version": assessment.questionnaire_version,
        },
    }


def data_center_json(dc: Any) -> dict[str, Any]:
    return {
        "id": dc.id,
        "agency_id": dc.agency_id,
        "name": dc.name,
        "location": dc.location,
        "owner": dc.owner,
        "status": str(dc.status),
        "servers": dc.servers,
        "racks": dc.racks,
        "power_kw": dc.power_kw,
        "yearly_cost_rials": dc.yearly_cost_rials,
        "version": dc.version,
    }


def plan_json(plan: Any) -> dict[str, Any]:
    return {
        "id": plan.id,
        "agency_id": plan.agency_id,
        "name": plan.name,
        "cloud_plan": plan.cloud_plan,
        "waves": [
            {
                "number": wave.number,
                "name": wave.name,
                "target_date": wave.target_date.isoformat() if wave.target_date else None,
                "workloads": [{"workload": e.workload.name, "reason": e.reason} for e in wave.entries],
            }
            for wave in plan.waves
        ],
    }


def consolidation_json(overview: dict[str, Any]) -> dict[str, Any]:
    return {
        "remaining": overview["remaining"],
        "migrated": overview["migrated"],
        "retired": overview["retired"],
        "data_centers": [
            {**data_center_json(r["data_center"]), "remaining": r["remaining"], "migrated": r["migrated"]}
            for r in overview["rows"]
        ],
    }
