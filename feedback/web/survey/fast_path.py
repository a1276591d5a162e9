"""The survey's hot path: a complete, valid answer posted from a phone that opened the form, taken in
front of Flask (WSGI), on PostgreSQL.

Every citizen who scans a desk's code lands here, so this one request is worth making cheap: Flask's
request machinery (context, session, hooks, routing) cost more CPU than the rest of a submission
once the database work became one statement. This path makes the Flask route's
(`feedback.web.survey.routes.submit`) checks with the same function, `checks.check_answer`: the
device-bound form token, the four answers; and the same limits, `checks.answer_limits` (counted
once: it marks the environ for the route). The limits and the store go through this process's
`GroupCommit`: answers that arrive together in a worker's threads share one Redis round trip and
one committed statement, each on disk before its page. It answers with the thank-you page the
route itself rendered (same bytes, same headers), recording the same metrics.

Anything else goes to the Flask route untouched (the body put back): a refused or expired token, a
missing answer, a limit reached, a closed code, a database error or a lost race, a `?lang=` switch,
SQLite. The route repeats the checks and renders the page for that case; the submission id makes a
second try after a database error count once.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

import werkzeug.urls  # noqa: F401 - registers the "werkzeug.url_quote" error handler _parse_form uses
from flask import Flask
from prometheus_client import Histogram
from sqlalchemy import Engine
from werkzeug.http import parse_cookie, parse_options_header
from werkzeug.test import EnvironBuilder, run_wsgi_app

from core.errors import ValidationError
from core.ratelimit import Check, RateLimiter, address_prefix
from core.web import LOCALE_COOKIE, body_limit_of, choose_locale, hsts_headers
from feedback.survey.integrity import TokenError
from feedback.survey.services import Submission
from feedback.web.security import LIMITS_DEGRADED, LIMITS_VERDICT
from feedback.web.survey.checks import DEVICE_COOKIE, answer_limits, check_answer, is_device_cookie
from feedback.web.survey.group_commit import GroupCommit

log = logging.getLogger(__name__)
_PATH = re.compile(r"^/e/[^/]+$")
_FORM = "application/x-www-form-urlencoded"

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Page = tuple[str, list[tuple[str, str]], bytes]


class SurveyFastPath:
    """WSGI middleware around the Flask app's own `wsgi_app` (inside ProxyFix, so REMOTE_ADDR is the
    citizen's). `enabled` is off for SQLite; tests switch it off to run the route's own path."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.enabled = True
        self.taken = 0  # requests answered here rather than by the route (tests, debugging)
        self._thanks: dict[str, Page] = {}
        self._group_commit: GroupCommit | None = None
        # how many answers each survey statement stored: how much the group commit shares
        self._commit_sizes = Histogram(
            "feedback_survey_commit_answers",
            "Survey answers stored per statement (the group commit)",
            buckets=(1, 2, 4, 8, 16, 32, 64),
            registry=app.extensions["metrics_registry"],
        )
        self.max_body = body_limit_of(app, "survey.submit")  # the route's own limit, never more

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if (
            self.enabled
            and environ.get("REQUEST_METHOD") == "POST"
            and _PATH.match(environ.get("PATH_INFO", ""))
        ):
            started = time.perf_counter()
            page = self._answer(environ)
            if page is not None:
                status, headers, body = page
                self.taken += 1
                # the cached page is the route's; HSTS depends on this request's scheme, as in Flask
                headers = [(k, v) for k, v in headers if k.lower() != "strict-transport-security"]
                start_response(status, headers + hsts_headers(environ.get("wsgi.url_scheme", "")))
                self.app.extensions["record_request"](
                    "survey.submit", "POST", 200, time.perf_counter() - started
                )
                return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ: dict[str, Any]) -> Page | None:
        """The thank-you page, or None to leave the request to the Flask route: each step hands
        over at the first case it does not take."""
        engine = self.app.extensions["db_sessionmaker"].kw.get("bind")
        if not isinstance(engine, Engine) or engine.dialect.name != "postgresql":
            return None  # SQLite, or a test's session bound to one connection
        asked = self._read_answer(environ)
        if asked is None:
            return None
        cookies, checks, submission = asked
        entry = self._group(engine).take(checks, submission)
        # the verdict is left in the environ for the route when the request is handed over: a
        # refusal (nothing counted) is answered 429 from it; Redis down, the route stores the answer
        # marked for review; not stored, the route says why or stores it alone. Limits not checked
        # at all (an unexpected error): the route checks them itself
        if entry.checked:
            environ[LIMITS_VERDICT], environ[LIMITS_DEGRADED] = entry.verdict, entry.degraded
        if not entry.stored:
            return None
        locale = choose_locale(None, cookies.get(LOCALE_COOKIE), self.app.config["BABEL_DEFAULT_LOCALE"])
        try:
            return self._thanks_page(locale, cookies.get(DEVICE_COOKIE, ""), environ)
        except Exception:
            log.exception("survey fast path: no thank-you page, handing over to the route")
            return None

    def _read_answer(
        self, environ: dict[str, Any]
    ) -> tuple[Mapping[str, str], list[Check], Submission] | None:
        """(the cookies, the answer's limits, what it submits) for a form that passes the route's
        checks; None for anything else."""
        form = self._read_form(environ)
        if form is None:
            return None
        cookies = parse_cookie(environ)
        cookie = cookies.get(DEVICE_COOKIE, "")
        secret = self.app.config["SECRET_KEY"]
        if not is_device_cookie(secret, cookie):
            return None
        remote_addr = environ.get("REMOTE_ADDR") or ""
        network = address_prefix(remote_addr, ipv4_prefix=self.app.config["GOVCLOUD"].client_ipv4_prefix)
        try:
            submission = check_answer(secret, form, cookie, network)
        except (TokenError, ValidationError):
            return None
        return cookies, answer_limits(secret, remote_addr, network, cookie), submission

    def _read_form(self, environ: dict[str, Any]) -> dict[str, str] | None:
        """The posted form, read as Werkzeug reads it (the body left for the route to read again),
        or None for anything but a plain form within the route's size limit."""
        if environ.get("QUERY_STRING"):
            return None
        if parse_options_header(environ.get("CONTENT_TYPE", ""))[0].lower() != _FORM:
            return None  # read as Werkzeug reads it, or the route would see another form
        try:
            length = int(environ.get("CONTENT_LENGTH") or -1)
        except ValueError:
            return None
        if not 0 < length <= self.max_body:
            return None  # over the route's limit: Flask answers 413 without reading it
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # the route can read it again
        environ["wsgi.input_terminated"] = True
        try:
            return _parse_form(body)
        except UnicodeDecodeError:
            return None

    def _group(self, engine: Engine) -> GroupCommit:
        """This process's group commit, made on first use (after gunicorn forked the worker)."""
        group = self._group_commit
        if group is None or group.engine is not engine:
            limiter: RateLimiter = self.app.extensions["survey_rate_limiter"]
            group = self._group_commit = GroupCommit(limiter, engine, observe=self._commit_sizes.observe)
        return group

    def _thanks_page(self, locale: str, cookie: str, request: dict[str, Any]) -> Page | None:
        """The route's own thank-you page for this locale, asked of the Flask app once per process
        (with this request's host, scheme and mount point, which its links depend on). None (the
        route answers, and finds the submission already stored) if it ever stops being the same for
        everyone: a status other than 200 or a cookie of its own."""
        page = self._thanks.get(locale)
        if page is None:
            environ = EnvironBuilder(
                path="/e/-/thanks",
                base_url=f"{request.get('wsgi.url_scheme', 'http')}://{request.get('HTTP_HOST', 'localhost')}"
                + request.get("SCRIPT_NAME", ""),
                headers=[("Cookie", f"{DEVICE_COOKIE}={cookie}; {LOCALE_COOKIE}={locale}")],
            ).get_environ()
            chunks, status, headers = run_wsgi_app(self.wsgi_app, environ, buffered=True)
            body = b"".join(chunks)
            if not status.startswith("200") or "Set-Cookie" in headers:
                return None
            page = self._thanks[locale] = (status, list(headers.items()), body)
        status, page_headers, body = page
        return status, list(page_headers), body


def _parse_form(body: bytes) -> dict[str, str]:
    """The first value of each field, decoded exactly as Werkzeug's form parser decodes it (so the
    comment stored is the same whichever path took the request)."""
    form: dict[str, str] = {}
    for name, value in parse_qsl(body.decode(), keep_blank_values=True, errors="werkzeug.url_quote"):
        form.setdefault(name, value)
    return form


def install(app: Flask) -> SurveyFastPath:
    fast = SurveyFastPath(app, app.wsgi_app)
    app.wsgi_app = fast  # type: ignore[method-assign] # Flask's way to put WSGI code in front
    app.extensions["survey_fast_path"] = fast
    return fast
