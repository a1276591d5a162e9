"""The front page: what the platform is, the mandate's milestones, the cloud's tenants, and where
each visitor can go next (signed out: sign in; signed in: the areas of the role and, for agency
people, their own agency's compliance summary, from the compliance domain's own report)."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, g, render_template
from flask_babel import lazy_gettext as _l

from core.dates import tehran_today
from core.errors import NotFound
from core.web import get_session, public
from onboarding.compliance import reports
from onboarding.tenants.status import list_tenant_statuses
from portal.queries import platform_counts

bp = Blueprint("home", __name__)

# The budget law's milestones (docs/architecture.md); the compliance pages measure every agency against them.
MANDATE = (
    (
        _l("All services delivered electronically"),
        _l("100% of services at maturity 3 or above"),
        dt.date(2024, 11, 20),
    ),
    (_l("All inquiries online"), _l("100% of inquiries served machine to machine"), dt.date(2024, 12, 20)),
    (_l("20% of services smart"), _l("20% of services at maturity 4"), dt.date(2025, 1, 19)),
    (
        _l("Join the government cloud"),
        _l("a tenant space with its first workload running"),
        dt.date(2025, 3, 21),
    ),
)


def _own_compliance() -> reports.AgencyReport | None:
    """The signed-in agency person's own agency against the active program (None for others)."""
    actor, user = g.get("actor"), g.get("user")
    if actor is None or actor.reads_everything or user is None or user.agency_id is None:
        return None
    session = get_session()
    try:
        program = reports.get_default_program(session)
        return reports.agency_report(
            session, actor, program.id, user.agency_id, tehran_today(), with_shortfall=False
        )
    except NotFound:
        return None


@bp.get("/")
@public
def index() -> str:
    session = get_session()
    return render_template(
        "home/index.html",
        mandate=MANDATE,
        counts=platform_counts(session),
        tenants=list_tenant_statuses(session),
        compliance=_own_compliance(),
    )
