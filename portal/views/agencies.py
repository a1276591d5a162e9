"""Agency pages: the list, one agency (its services and sub-agencies), adding a sub-agency, and the
members of an agency for its admins."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog import policies, queries, services, trail
from catalog.models import AgencyKind
from catalog.schemas import AGENCY_FIELDS
from core import reference
from core.actors import Role
from core.errors import NotAuthorized, NotFound, PreconditionFailed, ValidationError
from core.web import get_session
from portal.accounts import passwords
from portal.accounts import services as accounts
from portal.auth import current_actor, roles, signed_in
from portal.views.catalog_text import field_errors, template_helpers

bp = Blueprint("agencies", __name__)
ADMINS = (Role.platform_admin, Role.agency_admin)
AGENCY_PAGE_SERVICES = 50  # the rest are one click away, in the filtered service list
AGENCY_PAGE_HISTORY = 20  # the rest on the audit page


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return template_helpers()


def agency_tree(agencies: list[Any]) -> list[tuple[Any, list[Any]]]:
    """The agencies as a forest of (agency, children) pairs: an agency whose parent the actor cannot
    read (or that has none) is a root. Siblings keep the list's order."""
    present = {agency.id for agency in agencies}
    children: dict[int | None, list[Any]] = {}
    for agency in agencies:
        parent = agency.parent_id if agency.parent_id in present else None
        children.setdefault(parent, []).append(agency)

    def grow(parent_id: int | None) -> list[tuple[Any, list[Any]]]:
        return [(agency, grow(agency.id)) for agency in children.get(parent_id, [])]

    return grow(None)


@bp.get("/agencies")
@signed_in
def list_agencies() -> str:
    """The tree of agencies the actor may read (a search shows the matching agencies as a list)."""
    session, actor = get_session(), current_actor()
    text = request.args.get("q", "")
    agencies = queries.list_agencies(session, actor, text=text)
    counts = queries.count_services_by_agency(session, actor)
    return render_template(
        "catalog/agencies.html",
        agencies=agencies,
        tree=None if text.strip() else agency_tree(agencies),
        counts=counts,
        q=text,
        may_add=policies.can_create_agency(actor, None),
    )


@bp.get("/agencies/<int:agency_id>")
@signed_in
def show_agency(agency_id: int) -> str:
    return _agency_page(agency_id, {})


def _agency_page(agency_id: int, errors: dict[str, str]) -> str:
    session, actor = get_session(), current_actor()
    agency = queries.get_agency(session, actor, agency_id)
    return render_template(
        "catalog/agency.html",
        agency=agency,
        services=queries.list_services(
            session, actor, queries.ServiceFilter(agency_id=agency_id), per_page=AGENCY_PAGE_SERVICES
        ),
        sub_agencies=queries.list_sub_agencies(session, actor, agency_id),
        province=reference.find_province(agency.province_code or ""),
        may_manage=actor.can_manage_agency(agency.id) and agency.active,
        may_edit=actor.can_write_agency(agency.id) and agency.active,
        may_change=policies.can_change_agency(actor, agency),
        history=trail.list_events(
            session, trail.TrailFilter(resource="agency", resource_id=agency.id), per_page=AGENCY_PAGE_HISTORY
        ),
        errors=errors,
    )


def _form_values() -> dict[str, str]:
    return {field: request.form.get(field, "") for field in (*AGENCY_FIELDS, "parent_id")}


def _agency_form(parent: Any, values: dict[str, Any], errors: dict[str, str], agency: Any = None) -> Any:
    session, actor = get_session(), current_actor()
    parents = None
    if agency is not None:  # the edit form moves the agency too: every place the actor may put it
        below = queries.descendant_ids(session, agency.id)
        parents = [
            a
            for a in queries.list_agencies(session, actor)
            if a.id not in below and a.active and policies.can_create_agency(actor, a)
        ]
    page = render_template(
        "catalog/agency_form.html",
        parent=parent,
        agency=agency,
        parents=parents,
        may_place_at_top=policies.can_create_agency(actor, None),
        values=values,
        errors=errors,
        kinds=list(AgencyKind)
        if parent is None or agency is not None
        else [k for k in AgencyKind if k != AgencyKind.ministry],
        provinces=reference.provinces(),
    )
    return (page, 422) if errors else page


@bp.route("/agencies/new", methods=["GET", "POST"])
@roles(Role.platform_admin)
def new_agency() -> Any:
    """A top-level agency (a ministry or organization): the platform's to add."""
    session, actor = get_session(), current_actor()
    if not policies.can_create_agency(actor, None):
        raise NotAuthorized("you may not add top-level agencies")
    values: dict[str, Any] = {field: "" for field in AGENCY_FIELDS}
    if request.method == "POST":
        values = {field: request.form.get(field, "") for field in AGENCY_FIELDS}
        try:
            agency = services.create_agency(session, actor, None, values, via="page")
        except ValidationError as exc:
            return _agency_form(None, values, field_errors(exc.fields))
        flash(_("The agency was added."), "success")
        return redirect(url_for("agencies.show_agency", agency_id=agency.id))
    return _agency_form(None, values, {})


@bp.route("/agencies/<int:agency_id>/sub-agencies/new", methods=["GET", "POST"])
@roles(*ADMINS)
def new_sub_agency(agency_id: int) -> Any:
    session, actor = get_session(), current_actor()
    parent = queries.get_agency(session, actor, agency_id)
    if not policies.can_create_agency(actor, parent):
        raise NotAuthorized("you may not add agencies here")
    values: dict[str, Any] = {field: "" for field in AGENCY_FIELDS}
    if request.method == "POST":
        values = {field: request.form.get(field, "") for field in AGENCY_FIELDS}
        try:
            agency = services.create_agency(session, actor, agency_id, values, via="page")
        except ValidationError as exc:
            return _agency_form(parent, values, field_errors(exc.fields))
        flash(_("The agency was added."), "success")
        return redirect(url_for("agencies.show_agency", agency_id=agency.id))
    return _agency_form(parent, values, {})


def _changeable(agency_id: int) -> Any:
    session, actor = get_session(), current_actor()
    agency = queries.get_agency(session, actor, agency_id)
    if not policies.can_change_agency(actor, agency):
        raise NotAuthorized("you may not change this agency")
    return agency


def _version() -> int | None:
    version = request.form.get("version", "")
    if not version.isdigit():
        raise ValidationError("the form's version is missing", fields={"version": "is required"})
    return int(version)


@bp.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@roles(*ADMINS)
def edit_agency(agency_id: int) -> Any:
    """Edit an agency's fields and move it (with its sub-agencies) under another parent."""
    agency = _changeable(agency_id)
    if request.method == "GET":
        values = {field: getattr(agency, field) or "" for field in AGENCY_FIELDS}
        values["kind"] = agency.kind.value
        values["parent_id"] = str(agency.parent_id or "")
        return _agency_form(agency.parent, values, {}, agency)
    values = _form_values()
    try:
        services.update_agency(
            get_session(), current_actor(), agency_id, values, expected_version=_version(), via="page"
        )
    except PreconditionFailed:
        errors = {"version": str(_("Someone else changed this agency since you opened the form; reload it."))}
        return _agency_form(agency.parent, values, errors, agency)
    except ValidationError as exc:
        return _agency_form(agency.parent, values, field_errors(exc.fields), agency)
    flash(_("The agency was saved."), "success")
    return redirect(url_for("agencies.show_agency", agency_id=agency_id))


def _set_active(agency_id: int, active: bool) -> Any:
    _changeable(agency_id)
    session, actor = get_session(), current_actor()
    try:
        services.set_agency_active(session, actor, agency_id, active, expected_version=_version(), via="page")
    except PreconditionFailed:
        flash(_("Someone else changed this agency since you opened the page; nothing was changed."), "error")
    except ValidationError as exc:
        session.rollback()
        return _agency_page(agency_id, field_errors(exc.fields)), 422
    else:
        flash(_("The agency was reactivated.") if active else _("The agency was deactivated."), "success")
    return redirect(url_for("agencies.show_agency", agency_id=agency_id))


@bp.post("/agencies/<int:agency_id>/deactivate")
@roles(*ADMINS)
def deactivate_agency(agency_id: int) -> Any:
    return _set_active(agency_id, False)


@bp.post("/agencies/<int:agency_id>/activate")
@roles(*ADMINS)
def activate_agency(agency_id: int) -> Any:
    return _set_active(agency_id, True)


@bp.get("/agencies/<int:agency_id>/members")
@roles(*ADMINS)
def members(agency_id: int) -> str:
    return _members_page(agency_id)


def _members_page(
    agency_id: int, values: dict[str, str] | None = None, errors=None, new_password=None
) -> str:
    session, actor = get_session(), current_actor()
    agency = queries.get_agency(session, actor, agency_id)
    if not policies.can_manage_members(actor, agency):
        raise NotAuthorized("you may not manage this agency's members")
    return render_template(
        "catalog/members.html",
        agency=agency,
        members=accounts.list_members(session, actor, agency_id),
        values=values or {"email": "", "name": "", "role": Role.agency_member.value},
        errors=errors or {},
        new_password=new_password,
        member_roles=[Role.agency_member, Role.agency_admin],
    )


@bp.post("/agencies/<int:agency_id>/members")
@roles(*ADMINS)
def add_member(agency_id: int) -> str | tuple[str, int]:
    queries.get_agency(get_session(), current_actor(), agency_id)
    values = {field: request.form.get(field, "").strip() for field in ("email", "name", "role")}
    role = Role.agency_admin if values["role"] == Role.agency_admin.value else Role.agency_member
    password = passwords.generate_password()
    try:
        accounts.create_user(
            get_session(),
            current_actor(),
            email=values["email"],
            name=values["name"],
            role=role,
            agency_id=agency_id,
            password=password,
            temporary=True,
            temporary_days=current_app.config["GOVCLOUD"].temporary_password_days,
        )
    except ValidationError as exc:
        return _members_page(agency_id, values, field_errors(exc.fields)), 422
    # The first password is shown once, on this response only (never in a flash cookie or a log).
    return _members_page(agency_id, new_password=(values["email"], password))


@bp.post("/agencies/<int:agency_id>/members/<int:user_id>/reset-password")
@roles(*ADMINS)
def reset_member_password(agency_id: int, user_id: int) -> str:
    """A one-time password, shown once on this response: the member must change it at the next
    sign-in, it expires unused, and their sessions end now."""
    session, actor = get_session(), current_actor()
    queries.get_agency(session, actor, agency_id)
    user = accounts.get_user(session, user_id) if queries.is_valid_id(user_id) else None
    if user is None or user.agency_id != agency_id:
        raise NotFound("no such member of this agency")
    days = current_app.config["GOVCLOUD"].temporary_password_days
    user, password = accounts.reset_password(session, actor, user_id, days)
    return _members_page(agency_id, new_password=(user.email, password))


@bp.post("/agencies/<int:agency_id>/members/<int:user_id>/deactivate")
@roles(*ADMINS)
def deactivate_member(agency_id: int, user_id: int) -> Response:
    session, actor = get_session(), current_actor()
    queries.get_agency(session, actor, agency_id)
    user = accounts.get_user(session, user_id) if queries.is_valid_id(user_id) else None
    if user is None or user.agency_id != agency_id:
        raise NotFound("no such member of this agency")
    accounts.set_user_active(session, actor, user_id, False)
    flash(_("The member was deactivated; their tokens were revoked."), "success")
    return redirect(url_for("agencies.members", agency_id=agency_id))
