"""Citizens' comments for dashboard accounts, within their scope, masked; filtered and exported. And
the review of flagged answers (above the unit)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from core import reference
from core.errors import Conflict, ValidationError
from core.web import current_locale, get_session
from feedback.dashboards import export, reviews
from feedback.dashboards.comments import BANDS, CommentList, comment_rows, list_comments
from feedback.dashboards.services import PERIODS, scope_label
from feedback.web.auth import current_actor, viewer_required

bp = Blueprint("comments", __name__, url_prefix="/dashboard")


def _load() -> CommentList:
    args = request.args
    return list_comments(
        get_session(),
        current_actor(),
        args.get("scope", ""),
        args.get("days", 30, type=int) or 30,
        args.get("score", ""),
        args.get("province", ""),
    )


@bp.get("/comments")
@viewer_required
def comment_list() -> str:
    listing = _load()
    locale = current_locale()
    return render_template(
        "feedback/dashboards/comments.html",
        c=listing,
        label=scope_label(listing.scope, "", locale),
        periods=PERIODS,
        bands=BANDS,
        provinces=reference.provinces(),
        agencies={a.code: (locale == "en" and a.name_en) or a.name_fa for a in reference.agencies()},
    )


@bp.get("/comments.csv")
@viewer_required
def comments_csv() -> Response:
    return Response(
        export.to_csv(comment_rows(_load(), current_locale())),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="comments.csv"'},
    )


@bp.get("/comments.xlsx")
@viewer_required
def comments_xlsx() -> Response:
    return Response(
        export.to_xlsx(comment_rows(_load(), current_locale()), "comments"),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="comments.xlsx"'},
    )


@bp.get("/flagged")
@viewer_required
def flagged_list() -> str:
    return render_template(
        "feedback/dashboards/flagged.html",
        rows=reviews.list_flagged(get_session(), current_actor()),
        agencies={a.code: a.name_fa for a in reference.agencies()},
    )


@bp.post("/flagged/<int:response_id>/review")
@viewer_required
def review(response_id: int) -> WerkzeugResponse:
    try:
        reviews.review_flagged(
            get_session(),
            current_actor(),
            response_id,
            request.form.get("outcome", ""),
            request.form.get("reason", ""),
        )
    except ValidationError:
        flash(_("Not reviewed: say why, in at most 1000 characters."))
    except Conflict:
        flash(_("Not reviewed: it was already decided, or another answer from the device counts that day."))
    else:
        flash(_("Reviewed."))
    return redirect(url_for("comments.flagged_list"))
