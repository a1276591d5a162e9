"""Migration pages: inventory, assessment, plan board by wave, run progress, consolidation."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.errors import ValidationError
from core.web import get_session
from onboarding.inventory import questionnaire
from onboarding.inventory import services as inventory
from onboarding.inventory.queries import get_workload
from onboarding.inventory.schemas import components_from_yaml
from onboarding.landing.plans import CLOUD_PLANS
from onboarding.overview import consolidation_overview, inventory_overview, plan_overview
from onboarding.plans import services as plans
from onboarding.runs import services as runs
from portal.auth import current_actor, current_user, signed_in
from portal.tasks import advance_runs, cloud_backend

bp = Blueprint("migration", __name__, url_prefix="/migration")


@bp.get("/")
@signed_in
def inventory_page() -> str:
    agency_id = current_user().agency_id
    return render_template(
        "migration/inventory.html",
        **inventory_overview(get_session(), current_actor()),
        errors={},
        form={},
        can_add=agency_id is not None and current_actor().can_write_agency(agency_id),
    )


@bp.post("/data-centers")
@signed_in
def add_data_center() -> Response:
    user = current_user()
    if user.agency_id is None:
        raise ValidationError("choose an agency", fields={"agency": "your account has no agency"})
    inventory.create_data_center(
        get_session(),
        current_actor(),
        user.agency_id,
        request.form.get("name", ""),
        request.form.get("location", ""),
        request.form.get("owner", ""),
    )
    flash(_("Data center added."), "success")
    return redirect(url_for("migration.inventory_page"))


@bp.post("/workloads")
@signed_in
def add_workload() -> Response | tuple[str, int]:
    user, form = current_user(), request.form
    try:
        if user.agency_id is None:
            raise ValidationError("choose an agency", fields={"agency": "your account has no agency"})
        workload = inventory.create_workload(
            get_session(),
            current_actor(),
            user.agency_id,
            data_center_id=form.get("data_center_id", type=int) or 0,
            name=form.get("name", ""),
            title=form.get("title", ""),
            classification=form.get("classification", "internal"),
            components=components_from_yaml(form.get("components", "")),
            depends_on_ids=form.getlist("depends_on_ids", type=int),
        )
    except ValidationError as exc:
        context = inventory_overview(get_session(), current_actor())
        return render_template(
            "migration/inventory.html", **context, errors=exc.fields, form=form, can_add=True
        ), 422
    flash(_("Workload added."), "success")
    return redirect(url_for("migration.workload_page", workload_id=workload.id))


@bp.get("/workloads/<int:workload_id>")
@signed_in
def workload_page(workload_id: int) -> str:
    return render_template(
        "migration/workload.html",
        workload=get_workload(get_session(), current_actor(), workload_id),
        questions=questionnaire.QUESTIONNAIRES[questionnaire.CURRENT_VERSION],
        plans=CLOUD_PLANS,
        errors={},
    )


@bp.post("/workloads/<int:workload_id>/assessment")
@signed_in
def assess(workload_id: int) -> Response | tuple[str, int]:
    questions = questionnaire.QUESTIONNAIRES[questionnaire.CURRENT_VERSION]
    answers = {q.key: request.form.get(q.key, "") for q in questions}
    try:
        inventory.assess_workload(
            get_session(),
            current_actor(),
            workload_id,
            answers,
            strategy=request.form.get("strategy") or None,
            override_reason=request.form.get("override_reason", ""),
        )
    except ValidationError as exc:
        workload = get_workload(get_session(), current_actor(), workload_id)
        return render_template(
            "migration/workload.html",
            workload=workload,
            questions=questions,
            plans=CLOUD_PLANS,
            errors=exc.fields,
        ), 422
    flash(_("Assessment saved."), "success")
    return redirect(url_for("migration.workload_page", workload_id=workload_id))


@bp.post("/workloads/<int:workload_id>/runs")
@signed_in
def start_run(workload_id: int) -> Response:
    run = runs.start_run(
        get_session(),
        current_actor(),
        workload_id,
        cloud_plan=request.form.get("cloud_plan", "small"),
        backend=cloud_backend(),
    )
    advance_runs(run.id)
    return redirect(url_for("migration.run_page", run_id=run.id))


@bp.post("/plans")
@signed_in
def add_plan() -> Response:
    user = current_user()
    if user.agency_id is None:
        raise ValidationError("choose an agency", fields={"agency": "your account has no agency"})
    plan = plans.create_plan(
        get_session(),
        current_actor(),
        user.agency_id,
        request.form.get("name", ""),
        request.form.get("cloud_plan", "small"),
    )
    return redirect(url_for("migration.plan_page", plan_id=plan.id))


@bp.get("/plans/<int:plan_id>")
@signed_in
def plan_page(plan_id: int) -> str:
    return render_template(
        "migration/plan.html", **plan_overview(get_session(), current_actor(), plan_id), errors={}
    )


def _plan_form_error(plan_id: int, exc: ValidationError) -> tuple[str, int]:
    context = plan_overview(get_session(), current_actor(), plan_id)
    return render_template("migration/plan.html", **context, errors=exc.fields), 422


@bp.post("/plans/<int:plan_id>/waves")
@signed_in
def add_wave(plan_id: int) -> Response | tuple[str, int]:
    try:
        plans.add_wave(
            get_session(),
            current_actor(),
            plan_id,
            request.form.get("number", 0, type=int),
            request.form.get("name", ""),
            request.form.get("target_date", ""),
        )
    except ValidationError as exc:
        return _plan_form_error(plan_id, exc)
    return redirect(url_for("migration.plan_page", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/entries")
@signed_in
def schedule(plan_id: int) -> Response | tuple[str, int]:
    try:
        plans.schedule_workload(
            get_session(),
            current_actor(),
            plan_id,
            request.form.get("wave", 0, type=int),
            request.form.get("workload_id", 0, type=int),
        )
    except ValidationError as exc:
        return _plan_form_error(plan_id, exc)
    return redirect(url_for("migration.plan_page", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/waves/<int:number>/start")
@signed_in
def start_wave(plan_id: int, number: int) -> Response:
    started = runs.start_wave(get_session(), current_actor(), plan_id, number, backend=cloud_backend())
    advance_runs(*(run.id for run in started))
    flash(_("Wave started: %(count)s runs.", count=len(started)), "success")
    return redirect(url_for("migration.plan_page", plan_id=plan_id))


def _labelled(status: dict) -> dict:
    """The run's status with labels in the visitor's language, for the page's script."""
    status["status_label"] = _(status["status"])
    for step in status["steps"]:
        step["status_label"] = _(step["status"])
    return status


@bp.get("/runs/<int:run_id>")
@signed_in
def run_page(run_id: int) -> str:
    run = runs.get_run(get_session(), current_actor(), run_id)
    return render_template("migration/run.html", run=run, status=runs.run_status(run))


@bp.get("/runs/<int:run_id>/status.json")
@signed_in
def run_status(run_id: int) -> Response:
    return jsonify(_labelled(runs.run_status(runs.get_run(get_session(), current_actor(), run_id))))


@bp.post("/runs/<int:run_id>/cancel")
@signed_in
def cancel_run(run_id: int) -> Response:
    runs.cancel_run(get_session(), current_actor(), run_id)
    advance_runs(run_id)
    flash(_("Cancelling: what the run made is being undone."), "success")
    return redirect(url_for("migration.run_page", run_id=run_id))


@bp.get("/consolidation")
@signed_in
def consolidation_page() -> str:
    return render_template(
        "migration/consolidation.html", **consolidation_overview(get_session(), current_actor())
    )
