"""Registry admin pages: the registry at a glance, employees, counties."""

from __future__ import annotations

import io

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core import reference
from core.audit import TrailFilter
from core.errors import Conflict, ValidationError
from core.web import audit_export, get_session
from feedback import audit
from feedback.accounts.services import (
    create_viewer,
    list_viewers,
    reset_viewer_password,
    set_viewer_active,
)
from feedback.codes.services import reissue_code
from feedback.codes.short_codes import grouped
from feedback.printing.services import single_sheet_pdf
from feedback.registry import queries
from feedback.registry.national_code import mask
from feedback.registry.places import Places, agency_name, province_name
from feedback.registry.services import add_county, set_employee_active
from feedback.web.auth import current_actor, registry_admin_required
from feedback.web.messages import field_errors

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@registry_admin_required
def overview() -> str:
    return render_template("feedback/admin/overview.html", counts=queries.count_registry(get_session()))


@bp.get("/employees")
@registry_admin_required
def employees() -> str:
    query = request.args.get("q", "")
    page = request.args.get("page", 1, type=int) or 1
    return render_template(
        "feedback/admin/employees.html",
        query=query,
        page=page,
        rows=queries.list_employees(get_session(), query, page),
        total=queries.count_employees(get_session(), query),
        page_size=queries.PAGE_SIZE,
    )


@bp.get("/employees/<int:employee_id>")
@registry_admin_required
def employee(employee_id: int) -> str:
    session = get_session()
    found = queries.get_employee(session, employee_id)
    code = queries.get_active_code_or_none(session, employee_id)
    return render_template(
        "feedback/admin/employee.html",
        history=audit.list_events(session, TrailFilter(resource="employee", resource_id=employee_id)),
        employee=found,
        masked_national_code=mask(found.national_code),
        short_code=grouped(code.short_code) if code else "",
        agency=agency_name(found.agency_code),
        province=province_name(found.province_code),
        county=Places(session).county_name(found.county_code),
    )


@bp.post("/employees/<int:employee_id>/deactivate")
@registry_admin_required
def deactivate(employee_id: int) -> Response:
    set_employee_active(get_session(), current_actor(), employee_id, False)
    flash(_("Deactivated: the code now says the employee is no longer at this desk."))
    return redirect(url_for("admin.employee", employee_id=employee_id))


@bp.post("/employees/<int:employee_id>/activate")
@registry_admin_required
def activate(employee_id: int) -> Response:
    set_employee_active(get_session(), current_actor(), employee_id, True)
    flash(_("Reactivated: the same code works again."))
    return redirect(url_for("admin.employee", employee_id=employee_id))


@bp.post("/employees/<int:employee_id>/reissue")
@registry_admin_required
def reissue(employee_id: int) -> Response:
    reissue_code(get_session(), current_actor(), employee_id)
    flash(_("A new code was issued; the old sheet now says it was replaced. Print the new sheet."))
    return redirect(url_for("admin.employee", employee_id=employee_id))


@bp.get("/employees/<int:employee_id>/sheet.pdf")
@registry_admin_required
def sheet(employee_id: int) -> Response:
    base_url = current_app.config["GOVCLOUD"].feedback_base_url
    pdf = single_sheet_pdf(get_session(), current_actor(), employee_id, base_url)
    return send_file(io.BytesIO(pdf), mimetype="application/pdf", download_name=f"sheet-{employee_id}.pdf")


@bp.route("/counties", methods=["GET", "POST"])
@registry_admin_required
def counties() -> str | Response | tuple[str, int]:
    errors: dict[str, str] = {}
    form = {k: request.form.get(k, "") for k in ("province", "name_fa", "name_en")}
    if request.method == "POST":
        try:
            county = add_county(
                get_session(), current_actor(), form["province"], form["name_fa"], form["name_en"]
            )
        except (ValidationError, Conflict) as exc:
            errors = field_errors(exc)
        else:
            flash(_("County %(name)s added; imports accept it from now on.", name=county.name_fa))
            return redirect(url_for("admin.counties"))
    return render_template(
        "feedback/admin/counties.html",
        counties=queries.list_local_counties(get_session()),
        provinces=reference.provinces(),
        province_name=province_name,
        form=form,
        errors=errors,
    ), 400 if errors else 200


@bp.route("/viewers", methods=["GET", "POST"])
@registry_admin_required
def viewers() -> str | Response | tuple[str, int]:
    """Dashboard accounts (nation, province, agency, unit), created by registry admins. The password
    the admin types is a first password: changed at the first sign-in, void after
    GOVCLOUD_TEMPORARY_PASSWORD_DAYS."""
    errors: dict[str, str] = {}
    form = {k: request.form.get(k, "") for k in ("email", "scope")}
    if request.method == "POST":
        try:
            account = create_viewer(
                get_session(),
                current_actor(),
                form["email"],
                request.form.get("password", ""),
                form["scope"],
                temporary=True,
                temporary_days=current_app.config["GOVCLOUD"].temporary_password_days,
            )
        except (ValidationError, Conflict) as exc:
            errors = field_errors(exc)
        else:
            flash(_("Dashboard account %(email)s created.", email=account.email))
            return redirect(url_for("admin.viewers"))
    return _viewers_page(form, errors), 400 if errors else 200


def _viewers_page(
    form: dict[str, str], errors: dict[str, str], new_password: tuple[str, str] | None = None
) -> str:
    return render_template(
        "feedback/admin/viewers.html",
        viewers=list_viewers(get_session()),
        form=form,
        errors=errors,
        new_password=new_password,
    )


@bp.post("/viewers/<int:account_id>/reset-password")
@registry_admin_required
def reset_viewer(account_id: int) -> str:
    """A one-time password, shown once on this response only."""
    days = current_app.config["GOVCLOUD"].temporary_password_days
    account, password = reset_viewer_password(get_session(), current_actor(), account_id, days)
    return _viewers_page({"email": "", "scope": ""}, {}, new_password=(account.email, password))


@bp.post("/viewers/<int:account_id>/deactivate")
@registry_admin_required
def deactivate_viewer(account_id: int) -> Response:
    account = set_viewer_active(get_session(), current_actor(), account_id, False)
    flash(_("Dashboard account %(email)s deactivated; its sessions have ended.", email=account.email))
    return redirect(url_for("admin.viewers"))


AUDIT_ARGS = ("resource", "action", "actor", "q", "since", "until")
AUDIT_PER_PAGE = 50


@bp.get("/audit")
@registry_admin_required
def audit_trail() -> str | tuple[str, int]:
    """Every change to employees, counties, survey questions and accounts, searchable."""
    args = {name: request.args.get(name, "") for name in AUDIT_ARGS}
    session = get_session()
    try:
        filters = audit.parse_filter(request.args)
    except ValidationError as exc:
        page = render_template(
            "feedback/admin/audit.html", args=args, errors=field_errors(exc), entries=[], total=0, page=1
        )
        return page, 400
    number = max(1, request.args.get("page", 1, type=int) or 1)
    return render_template(
        "feedback/admin/audit.html",
        args=args,
        errors={},
        entries=audit.list_events(session, filters, page=number, per_page=AUDIT_PER_PAGE),
        total=audit.count_events(session, filters),
        page=number,
        page_size=AUDIT_PER_PAGE,
        resources=audit.RESOURCES,
    )


@bp.get("/audit/export.<fmt>")
@registry_admin_required
def export_audit_trail(fmt: str) -> Response:
    """Every matching entry, oldest first: CSV for people, JSON lines for a SIEM."""
    filters = audit.parse_filter(request.args)
    return audit_export(fmt, lambda: audit.iter_events(get_session(), filters), "feedback-audit")
