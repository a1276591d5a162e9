"""Agency pages: the list, one agency (its services and sub-agencies), adding a sub-agency, and the
members of an agency for its admins."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog import policies, queries, services
from catalog.models import AgencyKind
from catalog.schemas import AGENCY_FIELDS
from core import reference
from core.actors import Role
from core.errors import NotAuthorized, NotFound, ValidationError
from core.web import get_session
from portal.accounts import passwords
from portal.accounts import services as accounts
from portal.auth import current_actor, roles, signed_in
from portal.views.catalog_text import field_errors, template_helpers

bp = Blueprint("agencies", __name__)
ADMINS = (Role.platform_admin, Role.agency_admin)
AGENCY_PAGE_SERVICES = 50  # the rest are one click away, in the filtered service list


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return template_helpers()


@bp.get("/agencies")
@signed_in
def list_agencies() -> str:
    session, actor = get_session(), current_actor()
    agencies = queries.list_agencies(session, actor, text=request.args.get("q", ""))
    counts = queries.count_services_by_agency(session, actor)
    return render_template(
        "catalog/agencies.html", agencies=agencies, counts=counts, q=request.args.get("q", "")
    )


@bp.get("/agencies/<int:agency_id>")
@signed_in
def show_agency(agency_id: int) -> str:
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
        may_manage=actor.can_manage_agency(agency.id),
        may_edit=actor.can_write_agency(agency.id),
    )


@bp.route("/agencies/<int:agency_id>/sub-agencies/new", methods=["GET", "POST"])
@roles(*ADMINS)
def new_sub_agency(agency_id: int) -> Response | tuple[str, int] | str:
    session, actor = get_session(), current_actor()
    parent = queries.get_agency(session, actor, agency_id)
    if not policies.can_create_agency(actor, parent):
        raise NotAuthorized("you may not add agencies here")
    values: dict[str, Any] = {field: "" for field in AGENCY_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {field: request.form.get(field, "") for field in AGENCY_FIELDS}
        try:
            agency = services.create_agency(session, actor, agency_id, values)
        except ValidationError as exc:
            errors = field_errors(exc.fields)
        else:
            flash(_("The agency was added."), "success")
            return redirect(url_for("agencies.show_agency", agency_id=agency.id))
    page = render_template(
        "catalog/agency_form.html",
        parent=parent,
        values=values,
        errors=errors,
        kinds=[k for k in AgencyKind if k != AgencyKind.ministry],
        provinces=reference.provinces(),
    )
    return (page, 422) if errors else page


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
    user, password = accounts.reset_password(session, actor, user_id)
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
