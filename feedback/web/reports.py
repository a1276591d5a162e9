"""Missing-code reports on the web: the public form and the public status page."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core import reference
from core.errors import ValidationError
from core.web import get_session, public
from feedback.reports import lookup, queries, services
from feedback.reports.tracking import normalize_tracking_number
from feedback.web.security import limiter

bp = Blueprint("reports", __name__)
FORM_FIELDS = ("agency", "province", "county", "office_name", "office_address", "employee_name")


def _field_messages(fields: dict[str, str]) -> dict[str, str]:
    words = {
        "required": _("This field is required."),
        "too_long": _("This is too long."),
        "unknown_agency": _("No agency by this name. Pick one from the list."),
        "ambiguous_agency": _("Several agencies match. Pick one from the list."),
        "unknown_province": _("Pick a province from the list."),
        "unknown_county": _("No county by this name in the chosen province. Leave it empty if unsure."),
    }
    return {name: words.get(code, _("This value is not valid.")) for name, code in fields.items()}


@bp.route("/report-missing-code", methods=["GET", "POST"])
@public
@limiter.limit("10 per minute; 60 per hour", methods=["POST"])
def report_form() -> str | Response | tuple[str, int]:
    values = {name: request.form.get(name, "") for name in FORM_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            report = services.submit_web_report(get_session(), **values)
        except ValidationError as exc:
            errors = _field_messages(exc.fields)
        else:
            return redirect(url_for("reports.report_status", tracking=report.tracking_number, new=1))
    return render_template(
        "reports/form.html",
        values=values,
        errors=errors,
        agencies=sorted(reference.agencies(), key=lambda a: a.name_fa),
        provinces=sorted(reference.provinces(), key=lambda p: p.name_fa),
    ), (422 if errors else 200)


@bp.get("/report-missing-code/<tracking>")
@public
@limiter.limit("30 per minute")
def report_status(tracking: str) -> str:
    number = normalize_tracking_number(tracking)
    report = queries.get_report_by_tracking(get_session(), number) if number else None
    if report is None:
        abort(404)
    agency = lookup.agency_by_code(report.agency_code)
    return render_template(
        "reports/status.html",
        report=report,
        agency=agency,
        just_filed=request.args.get("new") == "1",
    )
