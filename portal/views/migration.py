"""Migration pages: inventory, assessment, plan board by wave, run progress, consolidation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog import trail
from catalog.queries import get_agency, get_agency_by_code, list_writable_agencies
from core.dates import format_jalali_month, format_jalali_numeric, tehran_day
from core.errors import NotAuthorized, NotFound, PreconditionFailed, UnknownReference, ValidationError
from core.spreadsheets import csv_bytes, xlsx_bytes
from core.web import current_locale, get_session
from onboarding import policies as onboarding_policies
from onboarding.inventory import questionnaire
from onboarding.inventory import services as inventory
from onboarding.inventory.models import DataCenterStatus
from onboarding.inventory.queries import (
    get_data_center,
    get_workload,
    inquiry_references,
    list_agency_services,
    list_data_centers,
    list_workloads,
)
from onboarding.landing.plans import CLOUD_PLANS
from onboarding.overview import consolidation_overview, inventory_overview, plan_overview
from onboarding.plans import services as plans
from onboarding.runs import services as runs
from portal.auth import current_actor, current_user, signed_in
from portal.tasks import advance_runs, cloud_backend
from portal.views.catalog_text import template_helpers
from portal.views.workload_form import components_from_rows, rows_from_components, rows_from_form, spare_rows

bp = Blueprint("migration", __name__, url_prefix="/migration")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return template_helpers()  # the audit trail's entries on the edit pages


@bp.get("/")
@signed_in
def inventory_page() -> str:
    agency_id = current_user().agency_id
    return render_template(
        "migration/inventory.html",
        **inventory_overview(get_session(), current_actor()),
        errors={},
        form={},
        can_add=current_actor().is_platform_admin
        or (agency_id is not None and current_actor().can_write_agency(agency_id)),
    )


def _acting_agency_id() -> int:
    """The agency an inventory form adds to: the one whose code the form names (platform admins act
    for any agency, an agency's people for it and its sub-agencies), else the account's own; an
    unknown or unseen code is 422 naming `agency_code`."""
    code = request.form.get("agency_code", "").strip()
    if code:
        try:
            return get_agency_by_code(get_session(), current_actor(), code.upper()).id
        except NotFound:
            raise UnknownReference("agency_code", "agency") from None
    user = current_user()
    if user.agency_id is not None:
        return int(user.agency_id)
    raise ValidationError("choose an agency", fields={"agency_code": "name the agency to act for"})


@bp.post("/data-centers")
@signed_in
def add_data_center() -> Response:
    agency_id = _acting_agency_id()
    inventory.create_data_center(
        get_session(),
        current_actor(),
        agency_id,
        request.form.get("name", ""),
        request.form.get("location", ""),
        request.form.get("owner", ""),
        via="page",
    )
    flash(_("Data center added."), "success")
    return redirect(url_for("migration.inventory_page"))


def _workload_form_fields(posted: Any) -> dict[str, Any]:
    return {
        "name": posted.get("name", ""),
        "title": posted.get("title", ""),
        "data_center_id": posted.get("data_center_id", ""),
        "classification": posted.get("classification", "internal"),
        "service_ids": posted.getlist("service_ids"),
        "depends_on_ids": posted.getlist("depends_on_ids"),
        "inquiries": posted.get("inquiries", ""),
        "version": posted.get("version", ""),
        "agency_code": posted.get("agency_code", ""),
    }


def _workload_links(form: dict[str, Any]) -> dict[str, Any]:
    """The form's links and plain fields as the inventory services take them; an inquiry named
    AGENCY/code that does not exist is a field error."""
    inquiry_ids, unknown = inquiry_references(
        get_session(), current_actor(), [r for r in form["inquiries"].splitlines() if r.strip()]
    )
    if unknown:
        raise ValidationError(
            "no such inquiry", fields={"inquiry_ids": f"no such inquiry: {', '.join(unknown)}"}
        )
    return {
        "name": form["name"],
        "title": form["title"],
        "data_center_id": int(form["data_center_id"]) if form["data_center_id"].isdigit() else 0,
        "classification": form["classification"],
        "service_ids": [int(i) for i in form["service_ids"] if i.isdigit()],
        "depends_on_ids": [int(i) for i in form["depends_on_ids"] if i.isdigit()],
        "inquiry_ids": inquiry_ids,
    }


@bp.get("/workloads/new")
@signed_in
def new_workload() -> Any:
    """The structured workload form, empty, for the agency chosen (`?agency=CODE`): the account's own
    by default; platform admins choose any agency, an agency's people it or a sub-agency."""
    session, actor = get_session(), current_actor()
    choices = list_writable_agencies(session, actor)
    if not choices:
        raise NotAuthorized("you may not add workloads")
    code = request.args.get("agency", "").strip().upper()
    own = current_user().agency_id
    chosen = next((a for a in choices if a.code == code), None) if code else None
    if chosen is None and not code:
        chosen = next((a for a in choices if a.id == own), None)
    if chosen is None:
        return _workload_form_page(None, {"agency_code": code}, [], {}, agencies=choices)
    form = dict.fromkeys(("name", "title", "data_center_id", "inquiries", "version"), "") | {
        "agency_code": chosen.code,
        "classification": "internal",
        "service_ids": [],
        "depends_on_ids": [],
    }
    return _workload_form_page(None, form, spare_rows(), {}, agency=chosen, agencies=choices)


@bp.post("/workloads")
@signed_in
def add_workload() -> Any:
    """Creates a workload from the structured form (a row per component), in the agency the form
    names or the account's own."""
    session, actor = get_session(), current_actor()
    form = _workload_form_fields(request.form)
    rows = rows_from_form(request.form)
    agency_id = _acting_agency_id()
    try:
        workload = inventory.create_workload(
            session,
            actor,
            agency_id,
            components=components_from_rows(rows),
            via="page",
            **_workload_links(form),
        )
    except ValidationError as exc:
        session.rollback()
        agency = get_agency(session, actor, agency_id)
        form["agency_code"] = agency.code
        return _workload_form_page(
            None,
            form,
            rows or spare_rows(),
            exc.fields,
            422,
            agency=agency,
            agencies=list_writable_agencies(session, actor),
        )
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
            via="page",
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
    agency_id = _acting_agency_id()
    plan = plans.create_plan(
        get_session(),
        current_actor(),
        agency_id,
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


EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@bp.get("/consolidation")
@signed_in
def consolidation_page() -> str:
    overview = consolidation_overview(get_session(), current_actor())
    return render_template(
        "migration/consolidation.html", **overview, months=_by_month(overview["timeline"], current_locale())
    )


@bp.get("/consolidation.<fmt>")
@signed_in
def consolidation_export(fmt: str) -> Response:
    """The page's table as a file, the same rows the visitor sees (their agencies' data centers)."""
    if fmt not in EXPORT_FORMATS:
        raise NotFound("no such format", format=fmt)
    rows = _consolidation_table(consolidation_overview(get_session(), current_actor()), current_locale())
    body = csv_bytes([rows]) if fmt == "csv" else xlsx_bytes(rows, _("Consolidation"))
    return Response(
        body,
        mimetype=EXPORT_FORMATS[fmt],
        headers={"Content-Disposition": f'attachment; filename="consolidation.{fmt}"'},
    )


def _consolidation_table(overview: dict[str, Any], locale: str) -> list[list[Any]]:
    header: list[Any] = [
        _("Agency"),
        _("Province"),
        _("Data center"),
        _("Status"),
        _("Servers"),
        _("Racks"),
        _("Power (kW)"),
        _("Yearly cost (rials)"),
        _("Remaining"),
        _("Migrated"),
        _("Retired on"),
        _("Planned retirement"),
    ]
    lines = [header]
    for row in overview["rows"]:
        dc, province = row["data_center"], row["province"]
        lines.append(
            [
                dc.agency.name(locale),
                (province.name_fa if locale == "fa" else province.name_en) if province else "",
                dc.name,
                _(dc.status.value),
                dc.servers,
                dc.racks,
                dc.power_kw,
                dc.yearly_cost_rials,
                row["remaining"],
                row["migrated"],
                format_jalali_numeric(tehran_day(dc.retired_at), locale) if dc.retired_at else "",
                format_jalali_numeric(row["planned"], locale),
            ]
        )
    return lines


def _by_month(timeline: list[dict[str, Any]], locale: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """Retirements grouped by Jalali month, in order (what the page draws as the timeline)."""
    months: list[tuple[str, list[dict[str, Any]]]] = []
    for event in timeline:
        label = format_jalali_month(event["day"], locale)
        if not months or months[-1][0] != label:
            months.append((label, []))
        months[-1][1].append(event)
    return months


# --- editing the inventory ---------------------------------------------------------------------------


def _posted_version() -> int | None:
    version = request.form.get("version", "")
    if not version.isdigit() or len(version) > 9:
        raise ValidationError("the form's version is missing", fields={"version": "required"})
    return int(version)


def _workload_form_page(
    workload: Any,
    form: dict,
    rows: list,
    errors: dict,
    status: int = 200,
    *,
    agency: Any = None,
    agencies: list | None = None,
) -> Any:
    """The one workload form: editing `workload`, or creating one in `agency` (with no agency yet,
    only the choice of agency)."""
    session, actor = get_session(), current_actor()
    agency_id = workload.agency_id if workload is not None else (agency.id if agency is not None else None)
    lists: dict[str, Any] = {"data_centers": [], "services": [], "others": [], "history": []}
    if agency_id is not None:
        lists = {
            "data_centers": list_data_centers(session, actor, agency_id),
            "services": list_agency_services(session, actor, agency_id),
            "others": [
                w
                for w in list_workloads(session, actor, agency_id)
                if workload is None or w.id != workload.id
            ],
            "history": []
            if workload is None
            else trail.list_events(session, trail.TrailFilter(resource="workload", resource_id=workload.id)),
        }
    page = render_template(
        "migration/workload_form.html",
        workload=workload,
        agency=agency,
        agencies=agencies or [],
        form=form,
        rows=rows,
        errors=errors,
        **lists,
    )
    return (page, status) if status != 200 else page


@bp.route("/workloads/<int:workload_id>/edit", methods=["GET", "POST"])
@signed_in
def edit_workload(workload_id: int) -> Any:
    """The workload in a structured form: a row per component, links to e-services, inquiries
    (named AGENCY/code) and the workloads it depends on; saved at the version it was opened at."""
    session, actor = get_session(), current_actor()
    workload = get_workload(session, actor, workload_id)
    if not onboarding_policies.can_change(actor, workload.agency_id):
        raise NotAuthorized("you may not change this agency's inventory")
    form: dict[str, Any]
    if request.method == "GET":
        form = {
            "name": workload.name,
            "title": workload.title,
            "data_center_id": str(workload.data_center_id),
            "classification": str(workload.classification),
            "service_ids": [str(s.id) for s in workload.services],
            "depends_on_ids": [str(w.id) for w in workload.depends_on],
            "inquiries": "\n".join(f"{s.agency.code}/{s.code}" for s in workload.inquiries),
            "version": str(workload.version),
        }
        return _workload_form_page(workload, form, rows_from_components(workload.components), {})
    form = _workload_form_fields(request.form)
    rows = rows_from_form(request.form)
    try:
        inventory.update_workload(
            session,
            actor,
            workload_id,
            expected_version=_posted_version(),
            via="page",
            components=components_from_rows(rows),
            **_workload_links(form),
        )
    except PreconditionFailed:
        session.rollback()
        errors = {"version": _("Someone else changed this since you opened the form; nothing was changed.")}
        return _workload_form_page(get_workload(session, actor, workload_id), form, rows, errors, 422)
    except ValidationError as exc:
        session.rollback()
        return _workload_form_page(get_workload(session, actor, workload_id), form, rows, exc.fields, 422)
    flash(_("The workload was saved."), "success")
    return redirect(url_for("migration.workload_page", workload_id=workload_id))


@bp.route("/data-centers/<int:data_center_id>", methods=["GET", "POST"])
@signed_in
def data_center_page(data_center_id: int) -> Any:
    """A data center: its fields and status (active, retiring, retired), editable by its agency's
    people and the platform's, and its changes."""
    session, actor = get_session(), current_actor()
    data_center = get_data_center(session, actor, data_center_id)
    may_change = onboarding_policies.can_change(actor, data_center.agency_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not may_change:
            raise NotAuthorized("you may not change this agency's inventory")
        changes: dict[str, Any] = {
            key: request.form.get(key, "") for key in ("name", "location", "owner", "status")
        }
        changes |= {key: request.form[key] for key in inventory.DATA_CENTER_CAPACITY if key in request.form}
        try:
            inventory.update_data_center(
                session, actor, data_center_id, changes, expected_version=_posted_version(), via="page"
            )
        except PreconditionFailed:
            session.rollback()
            errors = {
                "version": _("Someone else changed this since you opened the form; nothing was changed.")
            }
        except ValidationError as exc:
            session.rollback()
            errors = exc.fields
        else:
            flash(_("The data center was saved."), "success")
            return redirect(url_for("migration.data_center_page", data_center_id=data_center_id))
        data_center = get_data_center(session, actor, data_center_id)
    page = render_template(
        "migration/data_center.html",
        data_center=data_center,
        may_change=may_change,
        errors=errors,
        form=request.form if errors else {},
        statuses=[str(s) for s in DataCenterStatus],
        history=trail.list_events(
            session, trail.TrailFilter(resource="data_center", resource_id=data_center_id)
        ),
    )
    return (page, 422) if errors else page
