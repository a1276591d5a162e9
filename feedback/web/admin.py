"""Registry admin pages: the registry at a glance, employees (one added or edited in a form), the
missing-code reports of the account's desks, counties, dashboard and registry accounts. A
place-scoped registry account sees its place only; what is national is `national_registry_required`."""

from __future__ import annotations

import io

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core import reference
from core.actors import Actor
from core.audit import TrailFilter
from core.errors import Conflict, ValidationError
from core.web import audit_export, get_session
from feedback import audit
from feedback.accounts.policies import employee_in_place, registry_place
from feedback.accounts.services import (
    create_registry_account,
    create_viewer,
    list_registry_accounts,
    list_viewers,
    reset_viewer_password,
    set_registry_account_active,
    set_viewer_active,
)
from feedback.codes.services import reissue_code
from feedback.codes.short_codes import grouped
from feedback.dashboards.reports import find_desk
from feedback.printing.services import single_sheet_pdf
from feedback.registry import queries
from feedback.registry.importer import place_text
from feedback.registry.national_code import mask
from feedback.registry.places import Places, agency_name, province_name
from feedback.registry.schemas import COLUMNS
from feedback.registry.services import add_county, save_employee, set_employee_active
from feedback.reports.queries import list_place_reports
from feedback.reports.schemas import ReportStatus
from feedback.web.auth import current_actor, national_registry_required, registry_admin_required
from feedback.web.messages import employee_errors, field_errors

bp = Blueprint("admin", __name__, url_prefix="/admin")
REPORT_STATUSES = tuple(status.value for status in ReportStatus)


@bp.get("/")
@registry_admin_required
def overview() -> str:
    actor = current_actor()
    return render_template(
        "feedback/admin/overview.html",
        counts=queries.count_registry(get_session(), actor),
        place=place_text(actor),
    )


@bp.get("/employees")
@registry_admin_required
def employees() -> str:
    query = request.args.get("q", "")
    page = request.args.get("page", 1, type=int) or 1
    return render_template(
        "feedback/admin/employees.html",
        query=query,
        page=page,
        rows=queries.list_employees(get_session(), query, page, current_actor()),
        total=queries.count_employees(get_session(), query, current_actor()),
        page_size=queries.PAGE_SIZE,
    )


@bp.get("/employees/<int:employee_id>")
@registry_admin_required
def employee(employee_id: int) -> str:
    session = get_session()
    found = queries.get_employee(session, employee_id, current_actor())  # another place's: 404
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


GENDER_CHOICES = ("", "male", "female")


def _employee_form(
    form: dict[str, str], errors: dict[str, str], employee_id: int | None, status: int
) -> tuple[str, int]:
    return render_template(
        "feedback/admin/employee_form.html",
        form=form,
        errors=errors,
        employee_id=employee_id,
        agencies=reference.agencies(),
        provinces=reference.provinces(),
        genders=GENDER_CHOICES,
        place=place_text(current_actor()),
    ), status


def _save(employee_id: int | None) -> tuple[str, int] | Response:
    form = {name: request.form.get(name, "") for name in COLUMNS}
    try:
        employee = save_employee(get_session(), current_actor(), form, employee_id)
    except (ValidationError, Conflict) as exc:
        get_session().rollback()
        return _employee_form(form, employee_errors(exc), employee_id, 422)
    if employee_id is None:
        flash(_("Employee added and a code issued: print the sheet."))
    else:
        flash(_("Employee saved. If the name, position or unit changed, print the sheet again."))
    return redirect(url_for("admin.employee", employee_id=employee.id), code=303)


@bp.route("/employees/new", methods=["GET", "POST"])
@registry_admin_required
def new_employee() -> tuple[str, int] | Response:
    """One employee typed in (a desk a report found missing, a newcomer between imports); the
    arguments prefill the form (a report's agency and place)."""
    if request.method == "POST":
        return _save(None)
    form = {name: request.args.get(name, "") for name in COLUMNS}
    for name, value in _place_defaults(current_actor()).items():
        form[name] = form[name] or value
    return _employee_form(form, {}, None, 200)


def _place_defaults(actor: Actor) -> dict[str, str]:
    """A scoped account's place, filled in for it (its county's province too)."""
    place = registry_place(actor)
    if place is None:
        return {}
    kind, value = place
    if kind == "county":
        county = reference.counties_by_code().get(value)
        return {"county": value, "province": county.province_code if county else ""}
    return {"province" if kind == "province" else "agency_code": value}


@bp.route("/employees/<int:employee_id>/edit", methods=["GET", "POST"])
@registry_admin_required
def edit_employee(employee_id: int) -> tuple[str, int] | Response:
    if request.method == "POST":
        return _save(employee_id)
    found = queries.get_employee(get_session(), employee_id, current_actor())  # another place's: 404
    form = {name: str(getattr(found, name, "") or "") for name in COLUMNS}
    form |= {"national_code": "", "province": found.province_code, "county": found.county_code}
    return _employee_form(form, {}, employee_id, 200)


@bp.get("/reports")
@registry_admin_required
def reports() -> str:
    """Missing-code reports filed in the account's place, each with its desk: the employee's page
    (reissue or reprint the code) when the registry has the named employee, else the form to add
    the desk's employee (which issues its code)."""
    session, actor = get_session(), current_actor()
    status = request.args.get("status", "")
    status = status if status in REPORT_STATUSES else ""
    rows = []
    for report in list_place_reports(session, actor, status):
        desk = find_desk(session, report)
        if desk is not None and not employee_in_place(
            actor, desk.agency_code, desk.province_code, desk.county_code
        ):
            desk = None
        rows.append((report, desk))
    return render_template(
        "feedback/admin/reports.html",
        rows=rows,
        status=status,
        statuses=REPORT_STATUSES,
        agency_name=agency_name,
        province_name=province_name,
        county_name=Places(session).county_name,
        place=place_text(actor),
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
@national_registry_required
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
@national_registry_required
def reset_viewer(account_id: int) -> str:
    """A one-time password, shown once on this response only."""
    days = current_app.config["GOVCLOUD"].temporary_password_days
    account, password = reset_viewer_password(get_session(), current_actor(), account_id, days)
    return _viewers_page({"email": "", "scope": ""}, {}, new_password=(account.email, password))


@bp.post("/viewers/<int:account_id>/deactivate")
@national_registry_required
def deactivate_viewer(account_id: int) -> Response:
    account = set_viewer_active(get_session(), current_actor(), account_id, False)
    flash(_("Dashboard account %(email)s deactivated; its sessions have ended.", email=account.email))
    return redirect(url_for("admin.viewers"))


@bp.route("/registry-accounts", methods=["GET", "POST"])
@national_registry_required
def registry_accounts() -> str | Response | tuple[str, int]:
    """Registry accounts scoped to a province, a county or an agency, created by a national registry
    admin; the password typed is a first password, changed at the first sign-in."""
    errors: dict[str, str] = {}
    form = {k: request.form.get(k, "") for k in ("email", "place")}
    if request.method == "POST":
        try:
            account = create_registry_account(
                get_session(),
                current_actor(),
                form["email"],
                request.form.get("password", ""),
                form["place"],
                temporary_days=current_app.config["GOVCLOUD"].temporary_password_days,
            )
        except (ValidationError, Conflict) as exc:
            get_session().rollback()
            errors = field_errors(exc)
        else:
            flash(_("Registry account %(email)s created.", email=account.email))
            return redirect(url_for("admin.registry_accounts"))
    page = render_template(
        "feedback/admin/registry_accounts.html",
        accounts=list_registry_accounts(get_session()),
        form=form,
        errors=errors,
    )
    return page, 400 if errors else 200


@bp.post("/registry-accounts/<int:account_id>/deactivate")
@national_registry_required
def deactivate_registry_account(account_id: int) -> Response:
    account = set_registry_account_active(get_session(), current_actor(), account_id, False)
    flash(_("Registry account %(email)s deactivated; its sessions have ended.", email=account.email))
    return redirect(url_for("admin.registry_accounts"))


AUDIT_ARGS = ("resource", "action", "actor", "q", "since", "until")
AUDIT_PER_PAGE = 50


@bp.get("/audit")
@national_registry_required
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
@national_registry_required
def export_audit_trail(fmt: str) -> Response:
    """Every matching entry, oldest first: CSV for people, JSON lines for a SIEM."""
    filters = audit.parse_filter(request.args)
    return audit_export(fmt, lambda: audit.iter_events(get_session(), filters), "feedback-audit")
