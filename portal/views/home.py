"""The front page: what the platform is, the mandate's milestones, and where to go next."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from core.web import public
from portal.db import get_session
from portal.queries import platform_counts

bp = Blueprint("home", __name__)

# The budget law's milestones (DESIGN.md); the compliance pages measure every agency against them.
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


@bp.get("/")
@public
def index() -> str:
    return render_template("home/index.html", mandate=MANDATE, counts=platform_counts(get_session()))
