"""Registry admins: the survey's question wording and the responses the integrity rules flagged."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.errors import ValidationError
from core.web import get_session
from feedback.survey import queries
from feedback.survey.integrity import RULE_TITLES
from feedback.survey.questions import list_questions, seed_questions, update_questions
from feedback.web.auth import current_actor, national_registry_required
from feedback.web.survey.routes import forget_questions

bp = Blueprint("survey_admin", __name__, url_prefix="/admin/survey")


@bp.route("/questions", methods=["GET", "POST"])
@national_registry_required
def questions() -> str | Response | tuple[str, int]:
    errors: dict[str, str] = {}
    texts: dict[int, tuple[str, str]] = {}
    if request.method == "POST":
        texts = {n: (request.form.get(f"q{n}_fa", ""), request.form.get(f"q{n}_en", "")) for n in range(1, 5)}
        try:
            update_questions(get_session(), current_actor(), texts)
        except ValidationError as exc:
            errors = exc.fields
        else:
            forget_questions(current_app)
            flash(_("The questions were saved."))
            return redirect(url_for("survey_admin.questions"))
    if errors:
        rows = texts  # what the admin typed, to correct
    else:
        seed_questions(get_session())
        rows = {q.position: (q.text_fa, q.text_en) for q in list_questions(get_session())}
    page = render_template("feedback/admin/survey_questions.html", rows=rows, errors=errors)
    return (page, 400) if errors else page


@bp.get("/flagged")
@national_registry_required
def flagged() -> str:
    page = request.args.get("page", 1, type=int) or 1
    return render_template(
        "feedback/admin/survey_flagged.html",
        rows=queries.list_flagged(get_session(), page),
        total=queries.count_flagged(get_session()),
        page=page,
        page_size=queries.PAGE_SIZE,
        rule_titles=RULE_TITLES,
    )
