"""The survey a citizen reaches from a desk's code (`/e/<token>`), and its thank-you page.

The code token in the URL is a bearer capability (never logged). The form carries a second, signed
token bound to this device's cookie: a page fetched elsewhere cannot be posted from here, a forged
or expired one is refused, and its nonce makes a resend idempotent. The device cookie is SameSite=Lax,
so another site's form posting here arrives without it and is refused.
"""

from __future__ import annotations

import time

from flask import Blueprint, Flask, current_app, g, make_response, render_template, request
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.wrappers import Response as WerkzeugResponse

from core.errors import NotFound, ValidationError
from core.ratelimit import Check, parse_limits
from core.web import current_locale, public
from feedback.codes.services import resolve_token
from feedback.registry.places import agency_name
from feedback.survey.integrity import TokenError, issue_form_token, keyed_hash, new_device_id
from feedback.survey.models import COMMENT_MAX
from feedback.survey.questions import DEFAULT_QUESTIONS, list_questions
from feedback.survey.services import CodeClosed, submit_response
from feedback.web.db import db
from feedback.web.security import rate_limited
from feedback.web.survey.checks import (
    DEVICE_COOKIE,
    answer_fields,
    answer_limits,
    check_answer,
    is_device_cookie,
    posted_comment,
)

bp = Blueprint("survey", __name__)

DEVICE_COOKIE_AGE = 365 * 24 * 3600
SCAN_LIMITS = parse_limits("60 per minute")  # opening the page
QUESTIONS_TTL = 30.0
DB_DOWN = (OperationalError, InterfaceError)


def _device_id() -> str:
    """This browser's device id: the cookie, or a fresh one set on the way out."""
    if "device_id" not in g:
        cookie = request.cookies.get(DEVICE_COOKIE, "")
        g.device_id = cookie if is_device_cookie(cookie) else new_device_id()
        g.device_is_new = g.device_id != cookie
    return g.device_id


def _scan_limits() -> list[Check]:
    return [(f"scan:{request.remote_addr}", SCAN_LIMITS)]


def _answer_limits() -> list[Check]:
    return answer_limits(request.remote_addr, request.cookies.get(DEVICE_COOKIE))


def _hash(purpose: str, value: str) -> str:
    return keyed_hash(current_app.config["SECRET_KEY"], purpose, value)


def _questions(locale: str) -> list[tuple[int, str]]:
    """Question wording, cached briefly per process (admins' edits show within QUESTIONS_TTL, at once
    in the process that saved them); the defaults when the database cannot be read."""
    cache = current_app.extensions.setdefault("survey_questions", {"at": 0.0, "rows": None})
    if cache["rows"] is None or time.monotonic() - cache["at"] > QUESTIONS_TTL:
        try:
            rows = [(q.position, q.text_fa, q.text_en) for q in list_questions(db()) if q.active]
        except DB_DOWN:
            db().rollback()
            rows = []
        if rows:
            cache.update(at=time.monotonic(), rows=rows)
    rows = cache["rows"] or list(DEFAULT_QUESTIONS)
    return [(position, text_en if locale == "en" else text_fa) for position, text_fa, text_en in rows]


def forget_questions(app: Flask) -> None:
    app.extensions.pop("survey_questions", None)


def _page(template: str, status: int, **context: object) -> WerkzeugResponse:
    # only a page with a form shows the questions: a closed, refused or database-down page does not
    # read them (the database-down one would try the dead database a second time)
    questions = _questions(current_locale()) if context.get("form_token") else []
    body = render_template(template, questions=questions, comment_max=COMMENT_MAX, **context)
    return _finish(make_response(body, status))


def _thanks() -> WerkzeugResponse:
    """The thank-you page depends on the locale alone: rendered once per process and locale, it is
    no longer a template render on every accepted submission."""
    locale = current_locale()
    cache = current_app.extensions.setdefault("survey_thanks", {})
    if locale not in cache:
        cache[locale] = render_template("feedback/survey/thanks.html")
    return _finish(make_response(cache[locale], 200))


def _finish(response: WerkzeugResponse) -> WerkzeugResponse:
    if g.get("device_is_new"):
        response.set_cookie(
            DEVICE_COOKIE,
            _device_id(),
            max_age=DEVICE_COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    response.headers["Cache-Control"] = "no-store"
    return response


def _closed(scan_state: str, employee: object) -> WerkzeugResponse:
    return _page("feedback/survey/closed.html", 410, state=scan_state, employee=employee)


@bp.get("/e/<token>")
@public
@rate_limited(_scan_limits)
def form(token: str) -> WerkzeugResponse:
    try:
        scan = resolve_token(db(), token)
    except DB_DOWN:
        return _page("feedback/survey/unavailable.html", 503, answers={}, comment="", form_token="")
    if not scan.takes_responses:
        return _closed(scan.state, scan.employee)
    employee = scan.employee
    form_token = issue_form_token(
        current_app.config["SECRET_KEY"], employee.id, scan.code_id, _hash("device", _device_id())
    )
    return _page(
        "feedback/survey/form.html",
        200,
        employee=employee,
        agency=agency_name(employee.agency_code),
        form_token=form_token,
        answers={},
        comment="",
        error=False,
    )


@bp.post("/e/<token>")
@public
@rate_limited(_answer_limits)
def submit(token: str) -> WerkzeugResponse:
    form_token = request.form.get("form_token", "")
    try:
        submission = check_answer(
            current_app.config["SECRET_KEY"],
            request.form,
            request.cookies.get(DEVICE_COOKIE, ""),
            request.remote_addr,
        )
    except TokenError as exc:
        return _page("feedback/survey/refused.html", 403, reason=str(exc), token=token)
    except ValidationError as exc:
        return _page(
            "feedback/survey/form.html",
            400,
            employee=None,
            agency="",
            form_token=form_token,
            answers=answer_fields(request.form),
            comment=posted_comment(request.form),
            error=sorted(exc.fields),
        )
    try:
        submit_response(db(), submission)
    except DB_DOWN:
        db().rollback()
        return _page(
            "feedback/survey/unavailable.html",
            503,
            answers=answer_fields(request.form),
            comment=posted_comment(request.form),
            form_token=form_token,
        )
    except CodeClosed:
        return _page("feedback/survey/closed.html", 410, state="closed", employee=None)
    except NotFound:
        return _page("feedback/survey/refused.html", 403, reason="invalid", token=token)
    return _thanks()


@bp.get("/e/<token>/thanks")
@public
def thanks(token: str) -> WerkzeugResponse:
    """Where the page's script lands after a resend succeeded (no database needed)."""
    return _thanks()
