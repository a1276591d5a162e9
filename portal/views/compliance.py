"""Compliance pages: the overseers' dashboard, each agency's page, exports, notifications, and the
platform admins' program and milestone editor."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import nullcontext
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape
from werkzeug.utils import secure_filename
from werkzeug.wrappers import Response

from core.actors import Role
from core.dates import format_jalali_numeric, format_number, tehran_today
from core.errors import Conflict, PreconditionFailed, ValidationError
from core.web import get_session
from onboarding.compliance import exports, reports, services
from onboarding.compliance import queries as q
from onboarding.compliance.metrics import METRICS
from onboarding.compliance.schemas import STATUS_ORDER
from portal.auth import current_actor, roles, signed_in

bp = Blueprint("compliance", __name__)

OVERSIGHT = (Role.platform_admin, Role.overseer, Role.auditor)
STATUSES = [str(s) for s in STATUS_ORDER]
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _download(body: bytes | Iterator[bytes], fmt: str, name: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    # the name carries a program's code, which is free text: only safe characters go in the header
    filename = secure_filename(f"{name}.{fmt}") or f"compliance.{fmt}"
    return Response(
        body, mimetype=FORMATS[fmt], headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@bp.get("/compliance")
@signed_in
def index() -> Response:
    """Overseers land on the national dashboard, agency people on their own agency's page."""
    actor = current_actor()
    program = reports.get_default_program(get_session())
    if actor.reads_everything:
        return redirect(url_for("compliance.dashboard", program_id=program.id))
    user_agency = g.user.agency_id
    return redirect(url_for("compliance.agency", program_id=program.id, agency_id=user_agency))


@bp.get("/programs/<int:program_id>/dashboard")
@roles(*OVERSIGHT)
def dashboard(program_id: int) -> str:
    board = reports.dashboard(get_session(), current_actor(), program_id, reports.parse_filters(request.args))
    return render_dashboard(board)


def render_dashboard(board: reports.Dashboard) -> str:
    return render_template(
        "compliance/dashboard.html",
        board=board,
        statuses=STATUSES,
        chart=_summary_chart(board),
        texts=_cell_texts(board),
        ministry_options=_ministry_options(board),
    )


def _ministry_options(board: reports.Dashboard) -> Markup:
    """The ministry filter's options, written here: hundreds of ministries cost a third of the page's
    template as a loop of the template (three escapes and a method call each). Each name is escaped;
    the id is an int."""
    locale, chosen = g.locale, board.filters.ministry_id
    options = "".join(
        f'<option value="{int(m.id)}"{" selected" if m.id == chosen else ""}>{escape(m.name(locale))}'
        "</option>"
        for m in board.ministries
    )
    return Markup(options)  # noqa: S704 - built above from escaped names and ints only


@dataclasses.dataclass(frozen=True)
class CellText:
    figure: str
    group: str  # the figure with the sub-agencies, for an agency that has them (else empty)
    word: str
    declared: str  # what the agency declared, where the milestone counts evidence (else empty)


def _cell_texts(board: reports.Dashboard) -> dict[int, dict[int, CellText]]:
    """Each cell of the page worded once here (agency id → milestone id → text): three macro calls
    per cell cost more than the rest of the page together."""
    locale, words = g.locale, _status_words()
    yes, no = _("yes"), _("no")

    def percent(value: float | None) -> str:
        return "—" if value is None else format_number(value * 100, locale, 0) + "٪"

    milestones = {m.id: m for m in board.milestones}

    def figure(milestone_id: int, value: float | None) -> str:
        if value is None:
            return "—"
        if milestones[milestone_id].target_kind == "boolean":
            return yes if value >= 1 else no
        return percent(value)

    def declared(milestone_id: int, value: float | None) -> str:
        if value is None or not milestones[milestone_id].evidence_required:
            return ""
        return figure(milestone_id, value)

    texts: dict[int, dict[int, CellText]] = {}
    for row in board.rows:
        texts[row.agency.id] = {
            milestone_id: CellText(
                figure=figure(milestone_id, cell.value),
                group=percent(cell.group_value) if row.has_children and cell.group_denominator else "",
                word=words.get(cell.status, words["no_data"]),
                declared=declared(milestone_id, cell.declared_value),
            )
            for milestone_id, cell in row.cells.items()
            if milestone_id in milestones
        }
    return texts


def _status_words() -> dict[str, str]:
    return {
        "met": _("met"),
        "on_track": _("on track"),
        "at_risk": _("at risk"),
        "missed": _("missed"),
        "no_data": _("no data"),
    }


def _summary_chart(board: reports.Dashboard) -> dict[str, object]:
    """Agencies per status and milestone, for the stacked bar chart (drawn by static/js/compliance.js)."""
    words = _status_words()
    return {
        "labels": [m.title(g.locale) for m in board.milestones],
        "datasets": [
            {"status": s, "label": words[s], "data": [board.summary[m.id][s] for m in board.milestones]}
            for s in STATUSES
        ],
        "locale": g.locale,
    }


@bp.get("/programs/<int:program_id>/dashboard.<fmt>")
@roles(*OVERSIGHT)
def dashboard_export(program_id: int, fmt: str) -> Response:
    """Every row matching the filters (not one page); CSV streams as the rows are read."""
    if fmt not in FORMATS:
        abort(404)
    session = get_session()
    board = reports.matrix(session, current_actor(), program_id)  # authorises
    filters, locale = reports.parse_filters(request.args), g.locale
    name = f"compliance-{board.program.code}"
    if fmt == "xlsx":
        rows = reports.iter_rows(lambda: nullcontext(session), board, filters)
        return _download(exports.matrix_xlsx(board.milestones, rows, locale), fmt, name)
    # read while the body streams, after the request's session is gone: a session per batch
    rows = reports.iter_rows(current_app.extensions["db_sessionmaker"], board, filters)
    return _download(exports.matrix_csv(board.milestones, rows, locale), fmt, name)


@bp.get("/programs/<int:program_id>/agencies/<int:agency_id>")
@signed_in
def agency(program_id: int, agency_id: int) -> str:
    report = reports.agency_report(get_session(), current_actor(), program_id, agency_id, tehran_today())
    details = [(detail, _trend_chart(detail)) for detail in report.details]
    return render_template("compliance/agency.html", report=report, details=details)


def _trend_chart(detail: reports.MilestoneDetail) -> dict[str, object]:
    """The value per day in percent, the target as a flat line and the deadline as a marked point."""
    milestone = detail.milestone
    values = dict(detail.trend)
    days = sorted(set(values) | {milestone.deadline})
    target = round(milestone.target * 100, 1)
    return {
        "labels": [format_jalali_numeric(day, g.locale) for day in days],
        "value": [None if (value := values.get(day)) is None else round(value * 100, 1) for day in days],
        "target": [target for _day in days],
        "deadline": [target if day == milestone.deadline else None for day in days],
        "names": {"value": _("Value"), "target": _("Target"), "deadline": _("Deadline")},
        "locale": g.locale,
    }


@bp.get("/programs/<int:program_id>/agencies/<int:agency_id>.<fmt>")
@signed_in
def agency_export(program_id: int, agency_id: int, fmt: str) -> Response:
    report = reports.agency_report(get_session(), current_actor(), program_id, agency_id, tehran_today())
    return _download(exports.agency_export(report, g.locale, fmt), fmt, f"compliance-{report.agency.code}")


@bp.get("/notifications")
@signed_in
def notifications() -> str:
    actor = current_actor()
    scope = None if actor.reads_everything else actor.agency_ids
    return render_template("compliance/notifications.html", items=q.list_notifications(get_session(), scope))


# --- programs and milestones (platform admins) -----------------------------------------------------


@bp.route("/programs", methods=["GET", "POST"])
@roles(Role.platform_admin)
def programs() -> str | Response | tuple[str, int]:
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            program = services.create_program(
                get_session(), current_actor(), request.form.to_dict(), via="page"
            )
        except (ValidationError, Conflict) as exc:
            errors = _worded(exc)
        else:
            flash(_("The program was added."), "success")
            return redirect(url_for("compliance.program", program_id=program.id))
    page = render_template("compliance/programs.html", programs=q.list_programs(get_session()), errors=errors)
    return (page, 422) if errors else page


@bp.route("/programs/<int:program_id>", methods=["GET", "POST"])
@roles(Role.platform_admin)
def program(program_id: int) -> str | Response | tuple[str, int]:
    errors: dict[str, str] = {}
    if request.method == "POST":
        form: dict[str, Any] = request.form.to_dict()
        form["active"] = "active" in request.form
        form.pop("version", None)
        try:
            services.update_program(
                get_session(), current_actor(), program_id, form, expected_version=_form_version(), via="page"
            )
        except (ValidationError, Conflict) as exc:
            errors = _worded(exc)
        else:
            flash(_("The program was saved."), "success")
            return redirect(url_for("compliance.program", program_id=program_id))
    return _program_page(program_id, errors, {})


def _program_page(program_id: int, errors: dict[str, str], milestone_errors: dict[str, str]):
    page = render_template(
        "compliance/program.html",
        program=q.get_program(get_session(), program_id),
        metrics=METRICS,
        errors=errors,
        milestone_errors=milestone_errors,
        form=request.form,
    )
    return (page, 422) if errors or milestone_errors else page


@bp.post("/programs/<int:program_id>/milestones")
@roles(Role.platform_admin)
def create_milestone(program_id: int) -> Response | tuple[str, int]:
    try:
        services.create_milestone(get_session(), current_actor(), program_id, _milestone_form(), via="page")
    except (ValidationError, Conflict) as exc:
        return _program_page(program_id, {}, _worded(exc))
    flash(_("The milestone was added."), "success")
    return redirect(url_for("compliance.program", program_id=program_id))


@bp.route("/milestones/<int:milestone_id>", methods=["GET", "POST"])
@roles(Role.platform_admin)
def milestone(milestone_id: int) -> str | Response | tuple[str, int]:
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            saved = services.update_milestone(
                get_session(),
                current_actor(),
                milestone_id,
                _milestone_form(),
                expected_version=_form_version(),
                via="page",
            )
        except (ValidationError, Conflict) as exc:
            errors = _worded(exc)
        else:
            flash(_("The milestone was saved."), "success")
            return redirect(url_for("compliance.program", program_id=saved.program_id))
    page = render_template(
        "compliance/milestone.html",
        milestone=q.get_milestone(get_session(), milestone_id),
        metrics=METRICS,
        errors=errors,
    )
    return (page, 422) if errors else page


@bp.post("/milestones/<int:milestone_id>/delete")
@roles(Role.platform_admin)
def delete_milestone(milestone_id: int) -> Response:
    program_id = q.get_milestone(get_session(), milestone_id).program_id
    try:
        services.delete_milestone(
            get_session(), current_actor(), milestone_id, expected_version=_form_version(), via="page"
        )
    except PreconditionFailed:
        flash(_("Someone else changed this since you opened the form; nothing was changed."), "error")
        return redirect(url_for("compliance.milestone", milestone_id=milestone_id))
    flash(_("The milestone was deleted."), "success")
    return redirect(url_for("compliance.program", program_id=program_id))


@bp.post("/programs/<int:program_id>/snapshot")
@roles(Role.platform_admin)
def take_snapshot(program_id: int) -> Response:
    result = services.take_snapshot(get_session(), current_actor(), tehran_today())
    flash(_("Today's figures were recomputed: %(rows)s rows.", rows=result.rows), "success")
    return redirect(url_for("compliance.dashboard", program_id=program_id))


def _milestone_form() -> dict[str, object]:
    form: dict[str, object] = {
        **request.form.to_dict(),
        "scope_kinds": request.form.getlist("scope_kinds"),
        "evidence_required": "evidence_required" in request.form,
    }
    form.pop("version", None)
    return form


def _form_version() -> int | None:
    """The version the form was opened at (its hidden field): a stale save changes nothing."""
    version = request.form.get("version", "")
    return int(version) if version.isdigit() and len(version) < 10 else None


def _conflict_worded(error: Conflict) -> dict[str, str]:
    if isinstance(error, PreconditionFailed):
        return {"version": _("Someone else changed this since you opened the form; nothing was changed.")}
    return {"code": _("This code is already used.")}


def _field_words() -> dict[str, str]:
    return {
        "deadline": _("Not a date: write it like 1403/08/30."),
        "target": _("Write a share above 0 and at most 1, such as 0.2."),
        "metric": _("Choose a metric from the list."),
        "scope_kinds": _("Unknown agency kind."),
        "remind_days_before": _("A whole number of days between 0 and 365."),
        "evidence_window_days": _("A whole number of days between 1 and 90."),
        "evidence_min_availability": _("Write a share above 0 and at most 1, such as 0.95."),
        "code": _("At most 64 characters."),
    }


def _worded(error: ValidationError | Conflict) -> dict[str, str]:
    """The domain names the problem in plain English; the page says it in the reader's language."""
    if isinstance(error, Conflict):
        return _conflict_worded(error)
    words = _field_words()
    return {
        field: _("This field is required.") if problem == "required" else words.get(field, problem)
        for field, problem in error.fields.items()
    }
