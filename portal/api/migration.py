"""Migration API: inventory, assessments, plans, waves and runs under /api/v1/migration."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from werkzeug.wrappers import Response

from onboarding.inventory import services as inventory
from onboarding.inventory.queries import get_workload, list_data_centers, list_workloads
from onboarding.landing.plans import CLOUD_PLANS
from onboarding.overview import consolidation_overview
from onboarding.plans import services as plans
from onboarding.runs import services as runs
from portal.api import bp
from portal.api.openapi import operation, validate_json
from portal.auth import current_actor, signed_in
from portal.db import get_session
from portal.tasks import send

TAGS = ["migration"]
ID = {"type": "integer"}
COMPONENT = {
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
    },
}
WORKLOAD = {
    "type": "object",
    "properties": {
        "id": ID,
        "agency_id": ID,
        "data_center_id": ID,
        "name": {"type": "string"},
        "title": {"type": "string"},
        "classification": {"type": "string", "enum": ["public", "internal", "confidential"]},
        "status": {"type": "string"},
        "components": {"type": "array", "items": COMPONENT},
        "depends_on": {"type": "array", "items": {"type": "string"}},
        "assessment": {"type": ["object", "null"]},
    },
}
WORKLOAD_IN = {
    "type": "object",
    "required": ["agency_id", "data_center_id", "name", "components"],
    "additionalProperties": False,
    "properties": {
        "agency_id": ID,
        "data_center_id": ID,
        "name": {"type": "string"},
        "title": {"type": "string"},
        "classification": {"type": "string", "enum": ["public", "internal", "confidential"]},
        "components": {"type": "array", "items": COMPONENT},
        "service_ids": {"type": "array", "items": ID},
        "depends_on_ids": {"type": "array", "items": ID},
        "inquiry_ids": {"type": "array", "items": ID},
    },
}
DATA_CENTER = {
    "type": "object",
    "properties": {
        "id": ID,
        "agency_id": ID,
        "name": {"type": "string"},
        "location": {"type": "string"},
        "owner": {"type": "string"},
        "status": {"type": "string"},
    },
}
DATA_CENTER_IN = {
    "type": "object",
    "required": ["agency_id", "name"],
    "additionalProperties": False,
    "properties": {
        "agency_id": ID,
        "name": {"type": "string"},
        "location": {"type": "string"},
        "owner": {"type": "string"},
    },
}
ASSESSMENT_IN = {
    "type": "object",
    "required": ["answers"],
    "additionalProperties": False,
    "properties": {
        "answers": {"type": "object", "additionalProperties": {"type": "string"}},
        "strategy": {"type": ["string", "null"]},
        "override_reason": {"type": "string"},
    },
}
PLAN = {
    "type": "object",
    "properties": {
        "id": ID,
        "agency_id": ID,
        "name": {"type": "string"},
        "cloud_plan": {"type": "string"},
        "waves": {"type": "array"},
    },
}
PLAN_IN = {
    "type": "object",
    "required": ["agency_id", "name", "cloud_plan"],
    "additionalProperties": False,
    "properties": {"agency_id": ID, "name": {"type": "string"}, "cloud_plan": {"enum": sorted(CLOUD_PLANS)}},
}
WAVE_IN = {
    "type": "object",
    "required": ["number"],
    "additionalProperties": False,
    "properties": {
        "number": {"type": "integer", "minimum": 1},
        "name": {"type": "string"},
        "target_date": {"type": ["string", "null"], "description": "Jalali, e.g. 1404/01/15"},
    },
}
ENTRY_IN = {
    "type": "object",
    "required": ["wave", "workload_id"],
    "additionalProperties": False,
    "properties": {"wave": {"type": "integer"}, "workload_id": ID},
}
RUN_IN = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"cloud_plan": {"enum": sorted(CLOUD_PLANS)}},
}
RUN = {
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
}


def _workload(w: Any) -> dict[str, Any]:
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


def _data_center(dc: Any) -> dict[str, Any]:
    return {
        "id": dc.id,
        "agency_id": dc.agency_id,
        "name": dc.name,
        "location": dc.location,
        "owner": dc.owner,
        "status": str(dc.status),
    }


def _plan(plan: Any) -> dict[str, Any]:
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


def _backend() -> str:
    return current_app.config["GOVCLOUD"].cloud_backend


@bp.get("/migration/workloads")
@signed_in
@operation(summary="Workloads the caller may read", tags=TAGS, response={"type": "array", "items": WORKLOAD})
def list_workloads_api() -> Response:
    return jsonify([_workload(w) for w in list_workloads(get_session(), current_actor())])


@bp.post("/migration/workloads")
@signed_in
@operation(
    summary="Add a workload to the inventory",
    tags=TAGS,
    request_body=WORKLOAD_IN,
    response=WORKLOAD,
    status=201,
)
def create_workload_api() -> tuple[Response, int]:
    body = validate_json(WORKLOAD_IN)
    agency_id = body.pop("agency_id")
    workload = inventory.create_workload(get_session(), current_actor(), agency_id, **body)
    return jsonify(_workload(workload)), 201


@bp.get("/migration/workloads/<int:workload_id>")
@signed_in
@operation(summary="One workload with its assessment", tags=TAGS, response=WORKLOAD)
def get_workload_api(workload_id: int) -> Response:
    return jsonify(_workload(get_workload(get_session(), current_actor(), workload_id)))


@bp.post("/migration/workloads/<int:workload_id>/assessment")
@signed_in
@operation(
    summary="Answer the assessment questionnaire (optionally overriding the strategy, with a reason)",
    tags=TAGS,
    request_body=ASSESSMENT_IN,
    response=WORKLOAD,
)
def assess_api(workload_id: int) -> Response:
    body = validate_json(ASSESSMENT_IN)
    inventory.assess_workload(
        get_session(),
        current_actor(),
        workload_id,
        body["answers"],
        body.get("strategy"),
        body.get("override_reason", ""),
    )
    return jsonify(_workload(get_workload(get_session(), current_actor(), workload_id)))


@bp.post("/migration/workloads/<int:workload_id>/runs")
@signed_in
@operation(
    summary="Start moving a workload into its agency's tenant space",
    tags=TAGS,
    request_body=RUN_IN,
    response=RUN,
    status=201,
    errors=(409,),
)
def start_run_api(workload_id: int) -> tuple[Response, int]:
    body = validate_json(RUN_IN)
    run = runs.start_run(
        get_session(),
        current_actor(),
        workload_id,
        cloud_plan=body.get("cloud_plan", "small"),
        backend=_backend(),
    )
    send("onboarding.advance-run", run.id)
    return jsonify(runs.run_status(run)), 201


@bp.get("/migration/data-centers")
@signed_in
@operation(
    summary="Data centers the caller may read", tags=TAGS, response={"type": "array", "items": DATA_CENTER}
)
def list_data_centers_api() -> Response:
    return jsonify([_data_center(dc) for dc in list_data_centers(get_session(), current_actor())])


@bp.post("/migration/data-centers")
@signed_in
@operation(
    summary="Add a data center",
    tags=TAGS,
    request_body=DATA_CENTER_IN,
    response=DATA_CENTER,
    status=201,
    errors=(409,),
)
def create_data_center_api() -> tuple[Response, int]:
    body = validate_json(DATA_CENTER_IN)
    dc = inventory.create_data_center(
        get_session(),
        current_actor(),
        body["agency_id"],
        body["name"],
        body.get("location", ""),
        body.get("owner", ""),
    )
    return jsonify(_data_center(dc)), 201


@bp.post("/migration/plans")
@signed_in
@operation(
    summary="Create a migration plan",
    tags=TAGS,
    request_body=PLAN_IN,
    response=PLAN,
    status=201,
    errors=(409,),
)
def create_plan_api() -> tuple[Response, int]:
    body = validate_json(PLAN_IN)
    plan = plans.create_plan(
        get_session(), current_actor(), body["agency_id"], body["name"], body["cloud_plan"]
    )
    return jsonify(_plan(plans.get_plan(get_session(), current_actor(), plan.id))), 201


@bp.get("/migration/plans/<int:plan_id>")
@signed_in
@operation(
    summary="A plan with its waves, workloads and the reason each sits where it does",
    tags=TAGS,
    response=PLAN,
)
def get_plan_api(plan_id: int) -> Response:
    return jsonify(_plan(plans.get_plan(get_session(), current_actor(), plan_id)))


@bp.post("/migration/plans/<int:plan_id>/waves")
@signed_in
@operation(
    summary="Add a wave with a Jalali target date",
    tags=TAGS,
    request_body=WAVE_IN,
    response=PLAN,
    status=201,
    errors=(409,),
)
def add_wave_api(plan_id: int) -> tuple[Response, int]:
    body = validate_json(WAVE_IN)
    plans.add_wave(
        get_session(), current_actor(), plan_id, body["number"], body.get("name", ""), body.get("target_date")
    )
    return jsonify(_plan(plans.get_plan(get_session(), current_actor(), plan_id))), 201


@bp.post("/migration/plans/<int:plan_id>/entries")
@signed_in
@operation(
    summary="Schedule a workload in a wave (refused if it would go before what it depends on)",
    tags=TAGS,
    request_body=ENTRY_IN,
    response=PLAN,
)
def schedule_api(plan_id: int) -> Response:
    body = validate_json(ENTRY_IN)
    plans.schedule_workload(get_session(), current_actor(), plan_id, body["wave"], body["workload_id"])
    return jsonify(_plan(plans.get_plan(get_session(), current_actor(), plan_id)))


@bp.post("/migration/plans/<int:plan_id>/waves/<int:number>/start")
@signed_in
@operation(
    summary="Start a wave: one run per workload",
    tags=TAGS,
    response={"type": "array", "items": RUN},
    status=201,
    errors=(409,),
)
def start_wave_api(plan_id: int, number: int) -> tuple[Response, int]:
    started = runs.start_wave(get_session(), current_actor(), plan_id, number, backend=_backend())
    for run in started:
        send("onboarding.advance-run", run.id)
    return jsonify([runs.run_status(run) for run in started]), 201


@bp.get("/migration/runs/<int:run_id>")
@signed_in
@operation(summary="A run's progress, steps and log", tags=TAGS, response=RUN)
def get_run_api(run_id: int) -> Response:
    return jsonify(runs.run_status(runs.get_run(get_session(), current_actor(), run_id)))


@bp.post("/migration/runs/<int:run_id>/cancel")
@signed_in
@operation(
    summary="Cancel a run: what it made is undone in reverse order", tags=TAGS, response=RUN, errors=(409,)
)
def cancel_run_api(run_id: int) -> Response:
    run = runs.cancel_run(get_session(), current_actor(), run_id)
    send("onboarding.advance-run", run.id)
    return jsonify(runs.run_status(run))


@bp.get("/migration/consolidation")
@signed_in
@operation(summary="Data centers with the workloads remaining in each", tags=TAGS)
def consolidation_api() -> Response:
    overview = consolidation_overview(get_session(), current_actor())
    return jsonify(
        {
            "remaining": overview["remaining"],
            "migrated": overview["migrated"],
            "retired": overview["retired"],
            "data_centers": [
                {**_data_center(r["data_center"]), "remaining": r["remaining"], "migrated": r["migrated"]}
                for r in overview["rows"]
            ],
        }
    )
