"""What dashboard accounts act on: missing-code reports (nation, province, agency) and unit heads'
alerts. Views parse, call one service, and render or redirect."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core import reference
from core.errors import Conflict, ValidationError
from core.web import get_session
from feedback.dashboards import alerts, reports
from feedback.reports.schemas import ReportStatus
from feedback.web.auth import current_actor, viewer_required

bp = Blueprint("dashboard_work", __name__, url_prefix="/dashboard")
STATUSES = tuple(status.value for status in ReportStatus)


@bp.get("/reports")
@viewer_required
def report_list() -> str:
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    return render_template(
        "feedback/dashboards/reports.html",
        reports=reports.list_reports(get_session(), current_actor(), status),
        counts=reports.count_reports_by_agency_and_status(get_session(), current_actor()),
        agencies={a.code: a.name_fa for a in reference.agencies()},
        status=status,
        statuses=STATUSES,
    )


def _detail(report_id: int, errors: dict[str, str] | None = None, status: int = 200) -> tuple[str, int]:
    from feedback.dashboards.provinces_map import province_map

    report = reports.get_report(get_session(), current_actor(), report_id)
    return render_template(
        "feedback/dashboards/report.html",
        report=report,
        agencies={a.code: a.name_fa for a in reference.agencies()},
        owners=reports.owner_choices(get_session()),
        desk=reports.find_desk(get_session(), report),
        province_map=province_map(),
        errors=errors or {},
    ), status


@bp.get("/reports/<int:report_id>")
@viewer_required
def report_detail(report_id: int) -> tuple[str, int]:
    return _detail(report_id)


@bp.get("/reports/<int:report_id>/photo")
@viewer_required
def report_photo(report_id: int) -> Response:
    """The photo the citizen sent, for the accounts that handle the report (never public)."""
    from flask import abort, current_app

    from core.errors import NotFound
    from feedback.jobs.files import job_files
    from feedback.reports.photos import GIVEN_UP

    report = reports.get_report(get_session(), current_actor(), report_id)
    if not report.photo_key or report.photo_key == GIVEN_UP:
        abort(404)
    store = job_files(get_session(), current_app.config["GOVCLOUD"].var_path)
    try:
        data = b"".join(store.read(get_session(), report.photo_key))
    except NotFound:
        abort(404)
    return Response(
        data,
        mimetype="image/jpeg",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
    )


@bp.post("/reports/<int:report_id>/assign")
@viewer_required
def report_assign(report_id: int) -> Response | tuple[str, int]:
    try:
        reports.assign_report(
            get_session(),
            current_actor(),
            report_id,
            request.form.get("owner", ""),
            request.form.get("deadline", ""),
        )
    except ValidationError as exc:
        get_session().rollback()
        return _detail(report_id, exc.fields, 422)
    flash(_("The report's owner and deadline were saved."))
    return redirect(url_for("dashboard_work.report_detail", report_id=report_id))


def _refusal(fields: dict[str, str]) -> str:
    if "duplicate_of" in fields:
        return _("Not changed: give the tracking number of the report this one repeats.")
    if "note" in fields:
        return _(
            "Not changed: a reason is needed to resolve, reject or close as a duplicate,"
            " and at most 1000 characters."
        )
    return _("Not changed: the status is not valid.")


@bp.post("/reports/<int:report_id>/status")
@viewer_required
def report_status(report_id: int) -> Response:
    form = request.form
    try:
        reports.change_report_status(
            get_session(),
            current_actor(),
            report_id,
            form.get("status", ""),
            form.get("note", ""),
            form.get("duplicate_of", ""),
        )
    except ValidationError as exc:
        get_session().rollback()
        flash(_refusal(exc.fields))
    except Conflict:
        get_session().rollback()
        flash(_("Not changed: the report has already moved on."))
    else:
        flash(_("The report's status was changed."))
    if form.get("back") == "detail":
        return redirect(url_for("dashboard_work.report_detail", report_id=report_id))
    return redirect(url_for("dashboard_work.report_list"))


@bp.get("/alerts")
@viewer_required
def alert_list() -> str:
    subscriptions, rows = alerts.list_alerts(get_session(), current_actor())
    return render_template(
        "feedback/dashboards/alerts.html",
        subscriptions=subscriptions,
        rows=rows,
        windows=alerts.WINDOWS,
        drop_offered=alerts.can_watch_drop(current_actor()),
    )


@bp.post("/alerts")
@viewer_required
def subscribe() -> Response:
    form = request.form
    try:
        alerts.subscribe_alert(
            get_session(),
            current_actor(),
            form.get("kind", ""),
            form.get("threshold", ""),
            form.get("window_days", ""),
        )
    except ValidationError:
        flash(_("Not subscribed: check the kind, the threshold (a score is 0 to 100) and the window."))
    else:
        flash(_("Subscribed."))
    return redirect(url_for("dashboard_work.alert_list"))


@bp.post("/alerts/<int:alert_id>/acknowledge")
@viewer_required
def acknowledge(alert_id: int) -> Response:
    try:
        alerts.acknowledge_alert(get_session(), current_actor(), alert_id, request.form.get("note", ""))
    except ValidationError:
        flash(_("Write a short note (at most 1000 characters) to acknowledge an alert."))
    else:
        flash(_("Acknowledged."))
    return redirect(url_for("dashboard_work.alert_list"))
