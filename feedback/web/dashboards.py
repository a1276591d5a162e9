"""Scoped dashboards: the page, the small JSON an open page polls, and exports of what is shown."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from core import dates
from core.web import current_locale, get_session
from feedback.dashboards import export
from feedback.dashboards.policies import can_see_map
from feedback.dashboards.provinces_map import province_map, score_class
from feedback.dashboards.services import PERIODS, Dashboard, Live, load_dashboard, load_live
from feedback.rollups.scores import min_responses
from feedback.web.auth import current_actor, viewer_required

bp = Blueprint("dashboards", __name__, url_prefix="/dashboard")


def _asked() -> tuple[str, int, int]:
    """The scope and period asked for, and the minimum count, as every dashboard route reads them."""
    return (
        request.args.get("scope", ""),
        request.args.get("days", 30, type=int) or 30,
        min_responses(current_app.config["GOVCLOUD"]),
    )


def read_session() -> Session:
    """The session the dashboards read through: one on the read-only copy when
    `feedback_dashboard_database_url` names one (opened on first use, closed with the request),
    else the request's own. Only the dashboards' figures come from the copy; the signed-in
    account is read from the primary."""
    factory = current_app.extensions.get("dashboard_sessionmaker")
    if factory is None:
        return get_session()
    if "dashboard_session" not in g:
        g.dashboard_session = factory()
    session: Session = g.dashboard_session
    return session


def close_read_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("dashboard_session", None)
    if session is not None:
        session.close()


def _load() -> Dashboard:
    return load_dashboard(
        read_session(),
        current_actor(),
        *_asked(),
        current_locale(),
        sort=request.args.get("sort", "score"),
        order=request.args.get("order", "desc"),
    )


def _live(d: Live) -> dict[str, object]:
    """Numbers already worded for the visitor's language, so the script only swaps text."""
    locale = current_locale()
    shown = d.shown_score(d.totals)
    last = d.last_answer.astimezone(dates.TEHRAN) if d.last_answer else None
    return {
        "last_answer": last.isoformat() if last else None,
        "last_answer_text": dates.format_jalali(last, locale, with_time=True) if last else "—",
        "count": d.totals.count,
        "count_text": dates.format_number(d.totals.count, locale),
        "score_text": _("not enough responses yet")
        if shown is None
        else dates.format_number(shown, locale, 1),
        "labels": [dates.format_jalali_numeric(day, locale) for day, _t in d.trend],
        "scores": [
            None if v is None else round(v or 0, 1) for v in (d.shown_score(t) for _day, t in d.trend)
        ],
        "counts": [t.count for _day, t in d.trend],
        # the same figures worded, for the table beside the chart (its text alternative)
        "scores_text": [
            "—" if v is None else dates.format_number(v, locale, 1)
            for v in (d.shown_score(t) for _day, t in d.trend)
        ],
        "counts_text": [dates.format_number(t.count, locale) for _day, t in d.trend],
    }


@bp.get("")
@viewer_required
def dashboard() -> str:
    d = _load()
    return render_template(
        "feedback/dashboards/dashboard.html",
        d=d,
        live=_live(d),
        periods=PERIODS,
        province_map=province_map() if can_see_map(d.scope) else None,
        score_class=score_class,
    )


@bp.get("/live.json")
@viewer_required
def live() -> Response:
    return jsonify(_live(load_live(read_session(), current_actor(), *_asked())))


@bp.get("/export.csv")
@viewer_required
def export_csv() -> Response:
    d = _load()
    return Response(
        export.to_csv(export.dashboard_rows(d)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="dashboard-{d.days}d.csv"'},
    )


@bp.get("/export.xlsx")
@viewer_required
def export_xlsx() -> Response:
    d = _load()
    return Response(
        export.to_xlsx(export.dashboard_rows(d)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="dashboard-{d.days}d.xlsx"'},
    )
