"""Evidence pages: each agency's services with their availability over 7 days, their last probe and
recent failures (why a service does not count), and "probe now" for the agency's own people."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog import queries as catalog_queries
from core.dates import utcnow
from core.web import get_session
from onboarding.probes import queries, services
from portal import tasks
from portal.auth import current_actor, signed_in
from workers.celery_names import TaskNames

bp = Blueprint("availability", __name__)


@bp.get("/agencies/<int:agency_id>/availability")
@signed_in
def agency_availability(agency_id: int) -> str:
    actor = current_actor()
    agency = catalog_queries.get_agency(get_session(), actor, agency_id)
    evidence = queries.agency_evidence(get_session(), actor, agency.id, utcnow())
    failures = queries.recent_failures(get_session(), actor, agency.id)
    names = {item.service.id: item.service for item in evidence}
    return render_template(
        "availability/agency.html",
        agency=agency,
        evidence=evidence,
        failures=failures,
        names=names,
        can_probe=actor.can_write_agency(agency.id),
    )


@bp.post("/services/<int:service_id>/probe")
@signed_in
def probe_now(service_id: int) -> Response:
    service = services.request_probe_now(get_session(), current_actor(), service_id)
    tasks.send(TaskNames.PROBE_SERVICE, service.id)
    flash(_("A probe was asked for; its result shows here within a minute."), "success")
    return redirect(url_for("availability.agency_availability", agency_id=service.agency_id))
