"""Evidence pages: each agency's services with their availability over 7 days, their last probe and
recent failures (why a service does not count), and "probe now" for the agency's own people."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from catalog import queries as catalog_queries
from core.dates import utcnow
from core.web import get_session, public
from onboarding.probes import queries, services, status
from portal import tasks
from portal.auth import current_actor, signed_in
from portal.security import limiter
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


# --- public status pages (no sign-in, no JavaScript) ------------------------------------------------
STATUS_LIMIT = "120 per minute"


@bp.get("/status")
@public
@limiter.limit(STATUS_LIMIT)
def national_status() -> str:
    page = request.args.get("page", "1")
    number = int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1
    rows, pages = status.national(get_session(), utcnow(), number)
    return render_template("availability/status.html", rows=rows, page=number, pages=pages)


@bp.get("/status/<code>")
@public
@limiter.limit(STATUS_LIMIT)
def agency_status(code: str) -> str:
    agency = status.public_agency(get_session(), code)
    if agency is None:
        abort(404)
    rows = status.agency(get_session(), agency.id, utcnow())
    return render_template(
        "availability/agency_status.html", agency=agency, rows=rows, strip_days=status.STRIP_DAYS
    )
