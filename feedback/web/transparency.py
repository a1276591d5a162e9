"""The public transparency page and its open downloads (aggregates only; rate-limited)."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, Response, current_app, jsonify, render_template

from core.web import get_session, public
from feedback.dashboards.export import to_csv
from feedback.dashboards.transparency import PublicRow, Transparency, as_records, load_transparency
from feedback.rollups.scores import min_responses
from feedback.web.security import limiter

bp = Blueprint("transparency", __name__)
LIMIT = "30 per minute;300 per hour"
CSV_FIELDS = [*(field.name for field in dataclasses.fields(PublicRow)), "period_start", "period_end"]


def _load() -> Transparency:
    return load_transparency(get_session(), min_responses(current_app.config["GOVCLOUD"]))


@bp.get("/transparency")
@public
@limiter.limit(LIMIT)
def page() -> str:
    return render_template("feedback/transparency.html", t=_load())


@bp.get("/transparency.json")
@public
@limiter.limit(LIMIT)
def as_json() -> Response:
    return jsonify(rows=as_records(_load()))


@bp.get("/transparency.csv")
@public
@limiter.limit(LIMIT)
def as_csv() -> Response:
    records = as_records(_load())
    rows: list[list[object]] = [[*CSV_FIELDS], *([record[f] for f in CSV_FIELDS] for record in records)]
    return Response(
        to_csv(rows),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="transparency.csv"'},
    )
