"""Tenant services on the cloud: one page each, with its run's status, its landing zone and its
public address. Public, like the home page that lists them: the cloud announces its tenants; the
run's log and errors stay on the run page, for the agency's people and the platform."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from catalog import trail
from catalog.queries import get_agency_by_code
from catalog.tenants import list_tenant_services, register_tenant_service, set_tenant_service_status
from core.actors import Role
from core.errors import NotFound, UnknownReference, ValidationError
from core.web import get_session, public
from onboarding.inventory.queries import workload_by_name
from onboarding.tenants.status import get_tenant_status
from portal.auth import current_actor, roles
from portal.security import limiter
from portal.views.catalog_text import template_helpers

bp = Blueprint("tenants", __name__, url_prefix="/tenants")


@bp.get("/<code>")
@public
@limiter.limit("120 per minute")
def tenant_page(code: str) -> str:
    status = get_tenant_status(get_session(), code)
    actor = g.get("actor")
    can_see_run = actor is not None and status.run is not None and actor.can_read_agency(status.run.agency_id)
    return render_template("tenants/tenant.html", tenant=status, can_see_run=can_see_run)


# --- the platform's management of its tenants ------------------------------------------------------

admin_bp = Blueprint("tenant_admin", __name__, url_prefix="/tenant-services")
TENANT_FIELDS = ("agency_code", "code", "name_fa", "name_en", "public_url", "chart", "workload_name")


@admin_bp.context_processor
def _helpers() -> dict[str, Any]:
    return template_helpers()


def _admin_page(values: dict[str, str], errors: dict[str, str]) -> Any:
    session = get_session()
    page = render_template(
        "tenants/admin.html",
        tenants=list_tenant_services(session),
        values=values,
        errors=errors,
        history=trail.list_events(session, trail.TrailFilter(resource="tenant_service"), per_page=20),
    )
    return (page, 422) if errors else page


@admin_bp.route("", methods=["GET", "POST"])
@roles(Role.platform_admin)
def manage() -> Any:
    """Every tenant service with its status, and the form that registers one or re-plans one by its
    code (another address, chart or workload)."""
    if request.method == "GET":
        return _admin_page(dict.fromkeys(TENANT_FIELDS, ""), {})
    values = {field: request.form.get(field, "").strip() for field in TENANT_FIELDS}
    session, actor = get_session(), current_actor()
    try:
        workload_id = None
        if values["workload_name"]:
            agency = get_agency_by_code(session, actor, values["agency_code"].upper())
            workload = workload_by_name(session, actor, agency.id, values["workload_name"])
            if workload is None:
                raise UnknownReference("workload_name", "workload of this agency")
            workload_id = workload.id
        register_tenant_service(
            session,
            actor,
            agency_code=values["agency_code"].upper(),
            code=values["code"],
            name_fa=values["name_fa"],
            name_en=values["name_en"],
            public_url=values["public_url"],
            chart=values["chart"],
            workload_id=workload_id,
            via="page",
        )
    except NotFound:
        session.rollback()
        return _admin_page(values, {"agency_code": _("No agency has this code.")})
    except ValidationError as exc:
        session.rollback()
        return _admin_page(
            values, {("agency_code" if k == "agency" else k): v for k, v in exc.fields.items()}
        )
    flash(_("The tenant service was saved."), "success")
    return redirect(url_for("tenant_admin.manage"))


@admin_bp.post("/<code>/status")
@roles(Role.platform_admin)
def set_status(code: str) -> Any:
    set_tenant_service_status(
        get_session(), current_actor(), code, request.form.get("status", ""), via="page"
    )
    flash(_("The tenant service's status was changed."), "success")
    return redirect(url_for("tenant_admin.manage"))
