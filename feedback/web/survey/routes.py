"""The survey a citizen reaches from a desk's code (`/e/<token>`), and its thank-you page.

The code token in the URL is a bearer capability (never logged). The form carries a second, signed
token bound to this device's cookie: a page fetched elsewhere cannot be posted from here, a forged
or expired one is refused, and its nonce makes a resend idempotent. The device cookie is SameSite=Lax,
so another site's form posting here arrives without it and is refused.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from flask import Blueprint, Flask, current_app, g, make_response, render_template, request
from flask.blueprints import BlueprintSetupState
from markupsafe import Markup
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.wrappers import Response as WerkzeugResponse

from core.errors import NotFound, ValidationError
from core.ratelimit import Check, parse_limits
from core.web import csp_with_inline, current_locale, get_session, public
from feedback.codes.services import resolve_token
from feedback.registry.places import agency_name
from feedback.survey.integrity import (
    LIMITS_UNAVAILABLE,
    TokenError,
    issue_form_token,
    keyed_hash,
    new_device_id,
)
from feedback.survey.models import COMMENT_MAX
from feedback.survey.questions import DEFAULT_QUESTIONS, list_questions
from feedback.survey.services import CodeClosed, submit_response
from feedback.web.security import client_network, limits_unchecked, rate_limited
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
INLINE = "survey_inline"


@dataclasses.dataclass(frozen=True)
class InlineAssets:
    """The survey's stylesheet and script, put inside its pages, and the policy that lets exactly them
    run: on a slow phone network each extra request costs a round trip (400 ms on 3G), so the page
    is one request that fits the first TCP flight (tests/feedback/test_survey_one_request.py)."""

    css: Markup
    js: Markup
    csp: str


def load_inline_assets(static_folder: str) -> InlineAssets:
    static = Path(static_folder)
    css = (static / "css" / "survey.css").read_text(encoding="utf-8").strip()
    js = (static / "js" / "survey.js").read_text(encoding="utf-8").strip()
    if "</" in css or "</" in js:
        raise RuntimeError("survey.css and survey.js must not contain '</': they are inlined")
    # our own static files, checked above: nothing in them can close the element
    return InlineAssets(Markup(css), Markup(js), csp_with_inline(styles=[css], scripts=[js]))  # noqa: S704


@bp.record_once
def _read_inline_assets(state: BlueprintSetupState) -> None:
    state.app.extensions[INLINE] = load_inline_assets(str(state.app.static_folder))


@bp.after_request
def _no_referrer(response: WerkzeugResponse) -> WerkzeugResponse:
    """The survey's address holds the desk's token: nothing the page asks for (its own post, the
    thanks page, a font) sends it on as a Referer, which the ingress's access log would record."""
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.context_processor
def _inline_context() -> dict[str, Markup]:
    assets: InlineAssets = current_app.extensions[INLINE]
    return {"survey_css": assets.css, "survey_js": assets.js}


def _device_id() -> str:
    """This browser's device id: the cookie, or a fresh one set on the way out."""
    if "device_id" not in g:
        cookie = request.cookies.get(DEVICE_COOKIE, "")
        secret = current_app.config["SECRET_KEY"]
        g.device_id = cookie if is_device_cookie(secret, cookie) else new_device_id(secret)
        g.device_is_new = g.device_id != cookie
    return g.device_id


def _scan_limits() -> list[Check]:
    """Opening the page issues a device id: per network too, so fresh ids cost as much as addresses."""
    return [
        (f"scan:{request.remote_addr}", SCAN_LIMITS),
        (f"scan-net:{client_network(request.remote_addr)}", SCAN_LIMITS),
    ]


def _answer_limits() -> list[Check]:
    return answer_limits(
        current_app.config["SECRET_KEY"],
        request.remote_addr,
        client_network(request.remote_addr),
        request.cookies.get(DEVICE_COOKIE),
    )


def _hash(purpose: str, value: str) -> str:
    return keyed_hash(current_app.config["SECRET_KEY"], purpose, value)


def _questions(locale: str) -> list[tuple[int, str]]:
    """Question wording, cached briefly per process (admins' edits show within QUESTIONS_TTL, at once
    in the process that saved them); the defaults when the database cannot be read."""
    cache = current_app.extensions.setdefault("survey_questions", {"at": 0.0, "rows": None})
    if cache["rows"] is None or time.monotonic() - cache["at"] > QUESTIONS_TTL:
        try:
            rows = [(q.position, q.text_fa, q.text_en) for q in list_questions(get_session()) if q.active]
        except DB_DOWN:
            get_session().rollback()
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
    response.headers["Content-Security-Policy"] = current_app.extensions[INLINE].csp
    return response


def _closed(scan_state: str, employee: object) -> WerkzeugResponse:
    return _page("feedback/survey/closed.html", 410, state=scan_state, employee=employee)


@bp.get("/e/<token>")
@public
@rate_limited(_scan_limits)
def form(token: str) -> WerkzeugResponse:
    try:
        scan = resolve_token(get_session(), token)
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
            client_network(request.remote_addr),
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
    # with Redis down the limits were per process only: the answer is kept, flagged for review
    review = LIMITS_UNAVAILABLE if limits_unchecked() else None
    try:
        submit_response(get_session(), dataclasses.replace(submission, review=review))
    except DB_DOWN:
        get_session().rollback()
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
