"""The rollout's coverage: per province, county, agency and unit, what is registered, coded, printed
and posted, what is left; a map by coverage; exports of what is on screen; and a unit's checklist on
which its officer confirms each desk's sheet is up."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from core.errors import UnknownReference
from core.web import current_locale, get_session
from feedback.accounts.policies import can_check_unit
from feedback.dashboards import export
from feedback.dashboards.provinces_map import province_map, score_class
from feedback.registry.coverage import (
    LEVELS,
    PROVINCE,
    Coverage,
    Filters,
    confirm_posted,
    coverage_rows,
    load_coverage,
    unit_desks,
)
from feedback.web.auth import coverage_required, current_actor

bp = Blueprint("coverage", __name__, url_prefix="/coverage")


def _load() -> Coverage:
    asked = Filters(**{k: request.args.get(k, "") for k in ("province", "county", "agency", "unit")})
    return load_coverage(get_session(), current_actor(), asked, request.args.get("by", ""), current_locale())


@bp.get("")
@coverage_required
def page() -> str:
    c = _load()
    actor = current_actor()
    return render_template(
        "feedback/coverage/coverage.html",
        c=c,
        levels=LEVELS,
        province_map=province_map() if c.level == PROVINCE else None,
        by_province={row.code: row for row in c.rows} if c.level == PROVINCE else {},
        score_class=score_class,
        checklist=bool(c.filters.unit) and can_check_unit(actor, c.filters.agency, c.filters.unit),
    )


def _export_name(c: Coverage, suffix: str) -> str:
    return f"coverage-{c.level}.{suffix}"


@bp.get("/export.csv")
@coverage_required
def export_csv() -> Response:
    c = _load()
    return Response(
        export.to_csv(coverage_rows(c)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(c, "csv")}"'},
    )


@bp.get("/export.xlsx")
@coverage_required
def export_xlsx() -> Response:
    c = _load()
    return Response(
        export.to_xlsx(coverage_rows(c), title="coverage"),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_export_name(c, "xlsx")}"'},
    )


@bp.get("/desks")
@coverage_required
def desks() -> str:
    """A unit's desks (registry admins and the unit's own account): which sheets are up."""
    filters, rows = unit_desks(
        get_session(), current_actor(), request.args.get("agency", ""), request.args.get("unit", "")
    )
    return render_template("feedback/coverage/desks.html", filters=filters, desks=rows)


@bp.post("/desks")
@coverage_required
def confirm() -> WerkzeugResponse:
    agency, unit = request.form.get("agency", ""), request.form.get("unit", "")
    ids = []
    for value in request.form.getlist("code_ids"):
        if not (value.isascii() and value.isdigit()) or len(value) > 9:
            raise UnknownReference("code_ids", "code of this unit")
        ids.append(int(value))
    count = confirm_posted(get_session(), current_actor(), agency, unit, ids)
    flash(_("%(count)s sheets confirmed posted.", count=count))
    return redirect(url_for("coverage.desks", agency=agency, unit=unit))
