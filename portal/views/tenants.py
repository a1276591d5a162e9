"""Tenant services on the cloud: one page each, with its run's status, its landing zone and its
public address. Public, like the home page that lists them: the cloud announces its tenants; the
run's log and errors stay on the run page, for the agency's people and the platform."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from core.web import get_session, public
from onboarding.tenants.status import get_tenant_status
from portal.security import limiter

bp = Blueprint("tenants", __name__, url_prefix="/tenants")


@bp.get("/<code>")
@public
@limiter.limit("120 per minute")
def tenant_page(code: str) -> str:
    status = get_tenant_status(get_session(), code)
    actor = g.get("actor")
    can_see_run = actor is not None and status.run is not None and actor.can_read_agency(status.run.agency_id)
    return render_template("tenants/tenant.html", tenant=status, can_see_run=can_see_run)
