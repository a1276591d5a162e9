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
from core.errors import NotAuthorized, ValidationError
from portal.auth import current_actor, roles, signed_in
from portal.db import get_session
from portal.views.catalog_text import field_errors, template_helpers

bp = Blueprint("agencies", __name__)
ADMINS = (Role.platform_admin, Role.agency_admin)


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
        services=queries.list_agency_services(session, actor, agency_id),
        sub_agencies=queries.list_sub_agencies(session, actor, agency_id),
        province=reference.province_index().get((agency.province_code or "").casefold()),
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
