"""Migration API: inventory, assessments, plans, waves and runs under /api/v1/migration."""

from __future__ import annotations

from flask import jsonify
from werkzeug.wrappers import Response

from core.web import get_session
from onboarding.inventory import services as inventory
from onboarding.inventory.queries import get_data_center, get_workload, list_data_centers, list_workloads
from onboarding.overview import consolidation_overview
from onboarding.plans import services as plans
from onboarding.runs import services as runs
from portal.api import bp
from portal.api.conditional import expected_version, tagged
from portal.api.migration_schemas import (
    ASSESSMENT_IN,
    CONSOLIDATION,
    DATA_CENTER,
    DATA_CENTER_IN,
    DATA_CENTER_PATCH,
    ENTRY_IN,
    PLAN,
    PLAN_IN,
    RUN,
    RUN_IN,
    TAGS,
    WAVE_IN,
    WORKLOAD,
    WORKLOAD_IN,
    WORKLOAD_PATCH,
    consolidation_json,
    data_center_json,
    plan_json,
    workload_json,
)
from portal.api.openapi import ListOf, if_match_param, operation, validate_json
from portal.auth import current_actor, signed_in
from portal.tasks import advance_runs, cloud_backend

# URL ids name rows: an unknown one is 404. Ids in bodies are fields: an unknown one is 422 naming it
# (core.errors.UnknownReference); a clash is 409.
WRITE_ERRORS = (404, 409)
WORKLOAD_IF_MATCH = if_match_param("the ETag from GET /migration/workloads/{workload_id}")
DATA_CENTER_IF_MATCH = if_match_param("the ETag from GET /migration/data-centers/{data_center_id}")


@bp.get("/migration/workloads")
@signed_in
@operation(summary="Workloads the caller may read", tags=TAGS, response=ListOf(WORKLOAD))
def list_workloads_api() -> Response:
    return jsonify([workload_json(w) for w in list_workloads(get_session(), current_actor())])


@bp.post("/migration/workloads")
@signed_in
@operation(
    summary="Add a workload to the inventory",
    tags=TAGS,
    request_body=WORKLOAD_IN,
    response=WORKLOAD,
    status=201,
    errors=WRITE_ERRORS,
)
def create_workload_api() -> tuple[Response, int]:
    body = validate_json(WORKLOAD_IN)
    agency_id = body.pop("agency_id")
    workload = inventory.create_workload(get_session(), current_actor(), agency_id, via="api", **body)
    return jsonify(workload_json(workload)), 201


@bp.get("/migration/workloads/<int:workload_id>")
@signed_in
@operation(
    summary="One workload with its assessment; its ETag is what PATCH needs in If-Match",
    tags=TAGS,
    response=WORKLOAD,
    headers={"ETag": "the workload's version"},
)
def get_workload_api(workload_id: int) -> Response:
    workload = get_workload(get_session(), current_actor(), workload_id)
    return tagged(workload_json(workload), workload.version)


@bp.patch("/migration/workloads/<int:workload_id>")
@signed_in
@operation(
    summary="Change a workload, its components and links (If-Match required)",
    tags=TAGS,
    request_body=WORKLOAD_PATCH,
    response=WORKLOAD,
    parameters=[WORKLOAD_IF_MATCH],
    errors=(*WRITE_ERRORS, 412, 428),
    headers={"ETag": "the workload's new version"},
)
def update_workload_api(workload_id: int) -> Response:
    expected = expected_version("workload")
    body = validate_json(WORKLOAD_PATCH)
    workload = inventory.update_workload(
        get_session(), current_actor(), workload_id, expected_version=expected, via="api", **body
    )
    return tagged(workload_json(workload), workload.version)


@bp.get("/migration/data-centers/<int:data_center_id>")
@signed_in
@operation(
    summary="One data center; its ETag is what PATCH needs in If-Match",
    tags=TAGS,
    response=DATA_CENTER,
    headers={"ETag": "the data center's version"},
)
def get_data_center_api(data_center_id: int) -> Response:
    data_center = get_data_center(get_session(), current_actor(), data_center_id)
    return tagged(data_center_json(data_center), data_center.version)


@bp.patch("/migration/data-centers/<int:data_center_id>")
@signed_in
@operation(
    summary="Change a data center's name, location, owner, status or capacity (If-Match required)",
    tags=TAGS,
    request_body=DATA_CENTER_PATCH,
    response=DATA_CENTER,
    parameters=[DATA_CENTER_IF_MATCH],
    errors=(*WRITE_ERRORS, 412, 428),
    headers={"ETag": "the data center's new version"},
)
def update_data_center_api(data_center_id: int) -> Response:
    expected = expected_version("data center")
    body = validate_json(DATA_CENTER_PATCH)
    data_center = inventory.update_data_center(
        get_session(), current_actor(), data_center_id, body, expected_version=expected, via="api"
    )
    return tagged(data_center_json(data_center), data_center.version)


@bp.post("/migration/workloads/<int:workload_id>/assessment")
@signed_in
@operation(
    summary="Answer the assessment questionnaire (optionally overriding the strategy, with a reason)",
    tags=TAGS,
    request_body=ASSESSMENT_IN,
    response=WORKLOAD,
    errors=WRITE_ERRORS,
)
def assess_api(workload_id: int) -> Response:
    body = validate_json(ASSESSMENT_IN)
    assessment = inventory.assess_workload(
        get_session(),
        current_actor(),
        workload_id,
        body["answers"],
        body.get("strategy"),
        body.get("override_reason", ""),
        via="api",
    )
    return jsonify(workload_json(assessment.workload))


@bp.post("/migration/workloads/<int:workload_id>/runs")
@signed_in
@operation(
    summary="Start moving a workload into its agency's tenant space",
    tags=TAGS,
    request_body=RUN_IN,
    response=RUN,
    status=201,
    errors=WRITE_ERRORS,
)
def start_run_api(workload_id: int) -> tuple[Response, int]:
    body = validate_json(RUN_IN)
    run = runs.start_run(
        get_session(),
        current_actor(),
        workload_id,
        cloud_plan=body.get("cloud_plan", "small"),
        backend=cloud_backend(),
    )
    advance_runs(run.id)
    return jsonify(runs.run_status(run)), 201


@bp.get("/migration/data-centers")
@signed_in
@operation(summary="Data centers the caller may read", tags=TAGS, response=ListOf(DATA_CENTER))
def list_data_centers_api() -> Response:
    return jsonify([data_center_json(dc) for dc in list_data_centers(get_session(), current_actor())])


@bp.post("/migration/data-centers")
@signed_in
@operation(
    summary="Add a data center",
    tags=TAGS,
    request_body=DATA_CENTER_IN,
    response=DATA_CENTER,
    status=201,
    errors=WRITE_ERRORS,
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
        capacity={key: body[key] for key in inventory.DATA_CENTER_CAPACITY if key in body},
    )
    return jsonify(data_center_json(dc)), 201


@bp.post("/migration/plans")
@signed_in
@operation(
    summary="Create a migration plan",
    tags=TAGS,
    request_body=PLAN_IN,
    response=PLAN,
    status=201,
    errors=WRITE_ERRORS,
)
def create_plan_api() -> tuple[Response, int]:
    body = validate_json(PLAN_IN)
    plan = plans.create_plan(
        get_session(), current_actor(), body["agency_id"], body["name"], body["cloud_plan"]
    )
    return jsonify(plan_json(plans.get_plan(get_session(), current_actor(), plan.id))), 201


@bp.get("/migration/plans/<int:plan_id>")
@signed_in
@operation(
    summary="A plan with its waves, workloads and the reason each sits where it does",
    tags=TAGS,
    response=PLAN,
)
def get_plan_api(plan_id: int) -> Response:
    return jsonify(plan_json(plans.get_plan(get_session(), current_actor(), plan_id)))


@bp.post("/migration/plans/<int:plan_id>/waves")
@signed_in
@operation(
    summary="Add a wave with a Jalali target date",
    tags=TAGS,
    request_body=WAVE_IN,
    response=PLAN,
    status=201,
    errors=WRITE_ERRORS,
)
def add_wave_api(plan_id: int) -> tuple[Response, int]:
    body = validate_json(WAVE_IN)
    plans.add_wave(
        get_session(), current_actor(), plan_id, body["number"], body.get("name", ""), body.get("target_date")
    )
    return jsonify(plan_json(plans.get_plan(get_session(), current_actor(), plan_id))), 201


@bp.post("/migration/plans/<int:plan_id>/entries")
@signed_in
@operation(
    summary="Schedule a workload in a wave (refused if it would go before what it depends on)",
    tags=TAGS,
    request_body=ENTRY_IN,
    response=PLAN,
    errors=WRITE_ERRORS,
)
def schedule_api(plan_id: int) -> Response:
    body = validate_json(ENTRY_IN)
    plans.schedule_workload(get_session(), current_actor(), plan_id, body["wave"], body["workload_id"])
    return jsonify(plan_json(plans.get_plan(get_session(), current_actor(), plan_id)))


@bp.post("/migration/plans/<int:plan_id>/waves/<int:number>/start")
@signed_in
@operation(
    summary="Start a wave: one run per workload",
    tags=TAGS,
    response=ListOf(RUN),
    status=201,
    errors=(*WRITE_ERRORS, 422),
)
def start_wave_api(plan_id: int, number: int) -> tuple[Response, int]:
    started = runs.start_wave(get_session(), current_actor(), plan_id, number, backend=cloud_backend())
    advance_runs(*(run.id for run in started))
    return jsonify([runs.run_status(run) for run in started]), 201


@bp.get("/migration/runs/<int:run_id>")
@signed_in
@operation(summary="A run's progress, steps and log", tags=TAGS, response=RUN)
def get_run_api(run_id: int) -> Response:
    return jsonify(runs.run_status(runs.get_run(get_session(), current_actor(), run_id)))


@bp.post("/migration/runs/<int:run_id>/cancel")
@signed_in
@operation(
    summary="Cancel a run: what it made is undone in reverse order",
    tags=TAGS,
    response=RUN,
    errors=WRITE_ERRORS,
)
def cancel_run_api(run_id: int) -> Response:
    run = runs.cancel_run(get_session(), current_actor(), run_id)
    advance_runs(run.id)
    return jsonify(runs.run_status(run))


@bp.get("/migration/consolidation")
@signed_in
@operation(summary="Data centers with the workloads remaining in each", tags=TAGS, response=CONSOLIDATION)
def consolidation_api() -> Response:
    return jsonify(consolidation_json(consolidation_overview(get_session(), current_actor())))
