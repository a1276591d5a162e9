"""Web plumbing shared by the portal and the feedback service: access markers, health, metrics, locale.

Kept apart from the rest of `core` (which knows nothing of Flask) so that the feedback service,
which may import only `core`, serves the same /healthz, /readyz, request ids and metrics as the portal.
"""

from __future__ import annotations

import io
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from flask_babel import Babel
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from werkzeug.exceptions import NotFound as NotFoundError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from core import dates, logs

F = TypeVar("F", bound=Callable[..., Any])
# Everything is served from our own origin, so the policy can forbid every other one.
DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)
LOCALES = ("fa", "en")
RTL_LOCALES = {"fa"}
LOCALE_COOKIE = "lang"


def mark_access(view: F, rule: str) -> F:
    """Every route carries exactly one access rule; tests walk the URL map and fail on a missing one."""
    if getattr(view, "__access__", None) is not None:
        raise RuntimeError(f"{view.__name__} already has an access rule: {view.__access__}")
    view.__access__ = rule  # type: ignore[attr-defined]
    return view


def public(view: F) -> F:
    """Open to anyone, signed in or not. Say so explicitly: a route with no rule fails the suite."""
    return mark_access(view, "public")


def access_rule(app: Flask, endpoint: str) -> str | None:
    return getattr(app.view_functions[endpoint], "__access__", None)


# --- request bodies -----------------------------------------------------------------------------

# A public form (a survey answer, a sign-in, a missing-code report) is a few hundred bytes. The
# survey's comment is the longest field: a browser sends at most 500 characters, the route takes up
# to 2,000 (and keeps 500), and percent-encoded Persian is 6 bytes a character: 12 KB.
SMALL_BODY_BYTES = 16 * 1024
# A signed-in form or an API call that is not an upload.
FORM_BODY_BYTES = 256 * 1024


def body_limit(max_bytes: int) -> Callable[[F], F]:
    """The largest body this route reads. Without it a public route takes SMALL_BODY_BYTES and any
    other FORM_BODY_BYTES: only the upload routes declare the import size."""

    def decorate(view: F) -> F:
        view.__body_limit__ = max_bytes  # type: ignore[attr-defined]
        return view

    return decorate


def body_limit_of(app: Flask, endpoint: str | None) -> int:
    view = app.view_functions.get(endpoint) if endpoint else None
    if view is None:
        return SMALL_BODY_BYTES  # nothing matched: nothing will read the body
    default = SMALL_BODY_BYTES if getattr(view, "__access__", None) == "public" else FORM_BODY_BYTES
    return int(getattr(view, "__body_limit__", default))


def init_body_limits(app: Flask) -> None:
    """413 before a byte of an oversized body is read: a declared length over the route's limit is
    refused at once, and a chunked body is refused once it passes the limit.
    Runs before every other hook (CSRF reads the form), so it is put first, not appended."""

    def _limit_body() -> None:
        limit = body_limit_of(app, request.endpoint)
        request.max_content_length = limit
        if request.content_length is not None:
            if request.content_length > limit:
                raise RequestEntityTooLarge()
        elif "wsgi.input_terminated" in request.environ:
            # Chunked: Werkzeug would cut it silently at the limit and parse a truncated form.
            # Read at most one byte past the limit to tell, and hand on what was read.
            body = request.environ["wsgi.input"].read(limit + 1)
            if len(body) > limit:
                raise RequestEntityTooLarge()
            request.environ["wsgi.input"] = io.BytesIO(body)
            request.environ["CONTENT_LENGTH"] = str(len(body))

    app.before_request_funcs.setdefault(None, []).insert(0, _limit_body)


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` for ids of database rows: a number beyond PostgreSQL's integer names no row, so it
    answers 404 right away instead of reaching SQL as an out-of-range error (500). Raised while
    matching, so no other route with the same path shape gets a say (which would answer 405)."""

    MAX_ID = 2**31 - 1

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > self.MAX_ID:
            raise NotFoundError()
        return number


def use_database_ids(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIdConverter


# --- in front of the app: request ids and trusted proxies ------------------------------------------

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_ENVIRON = "govcloud.request_id"  # a key with a dot cannot come from a client header
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")


class RequestIdMiddleware:
    """Gives each request an id, tags every log line written while serving it (`core.logs`) and
    returns it in the response. An incoming X-Request-ID (the ingress controller's, or a caller's) is
    kept when it looks like an id; anything else (too short, too long, other characters: a log
    injection attempt) is replaced by a fresh one."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        environ[REQUEST_ID_ENVIRON] = request_id

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            return start_response(status, [*headers, (REQUEST_ID_HEADER, request_id)], exc_info)

        token = logs.REQUEST_ID.set(request_id)
        try:
            return self.wsgi_app(environ, start)
        finally:
            logs.REQUEST_ID.reset(token)


def init_front(app: Flask, trusted_proxies: int) -> None:
    """The outermost layers of both apps, called last in each factory (so they wrap everything that
    sits in front of Flask, such as the survey's fast path): request ids, and the client's address
    from X-Forwarded-For when `trusted_proxies` reverse proxies (the ingress controller: one) stand
    in front. Without it every citizen would share the proxy's address, and its rate limits."""
    app.wsgi_app = RequestIdMiddleware(app.wsgi_app)  # type: ignore[method-assign]
    if trusted_proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted_proxies)  # type: ignore[method-assign]


# --- health -------------------------------------------------------------------------------------

Check = Callable[[], None]


def health_blueprint(checks: Callable[[], Mapping[str, Check]]) -> Blueprint:
    """/healthz says the process is alive; /readyz runs each named check and names the one failing."""
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    @public
    def healthz() -> Response:
        return jsonify(status="ok")

    @bp.get("/readyz")
    @public
    def readyz() -> tuple[Response, int]:
        results: dict[str, str] = {}
        failing: list[str] = []
        for name, check in checks().items():
            try:
                check()
                results[name] = "ok"
            except Exception as exc:  # a check may fail in any way; report which, never crash
                results[name] = f"unavailable: {type(exc).__name__}"
                failing.append(name)
        status = 503 if failing else 200
        return jsonify(status="fail" if failing else "ok", failing=failing, checks=results), status

    return bp


# --- metrics ------------------------------------------------------------------------------------


def init_metrics(app: Flask, service: str) -> None:
    """Request counts and latencies by endpoint, never by raw URL (a URL can hold a token). Served
    by `core.metrics` on the metrics port, summed over the processes; never by the app, whose port
    the ingress routes to the public."""
    registry = CollectorRegistry()
    requests_total = Counter(
        "http_requests_total", "HTTP requests", ["service", "endpoint", "method", "status"], registry=registry
    )
    latency = Histogram(
        "http_request_duration_seconds", "HTTP request latency", ["service", "endpoint"], registry=registry
    )
    app.extensions["metrics_registry"] = registry

    def record(endpoint: str, method: str, status: int, seconds: float | None) -> None:
        requests_total.labels(service, endpoint, method, str(status)).inc()
        if seconds is not None:
            latency.labels(service, endpoint).observe(seconds)

    app.extensions["record_request"] = record  # also for WSGI code in front of Flask

    @app.before_request
    def _start_timer() -> None:
        g._started = time.perf_counter()

    @app.after_request
    def _record(response: Response) -> Response:
        started = g.get("_started")
        seconds = time.perf_counter() - started if started is not None else None
        record(request.endpoint or "unmatched", request.method, response.status_code, seconds)
        return response


def metrics_text(app: Flask) -> str:
    """This process's metrics of `app` in Prometheus' text format (what one process would add to the
    sum the metrics port serves)."""
    return generate_latest(app.extensions["metrics_registry"]).decode()


# --- locale -------------------------------------------------------------------------------------


def select_locale(default: str) -> str:
    """?lang= wins (and is remembered in a cookie), then the cookie, then the configured default.
    Accept-Language is ignored on purpose: Persian first, whatever the browser says."""
    return choose_locale(request.args.get("lang"), request.cookies.get(LOCALE_COOKIE), default)


def choose_locale(asked: str | None, remembered: str | None, default: str) -> str:
    """`select_locale` without a Flask request, for WSGI code in front of Flask."""
    chosen = asked or remembered
    return chosen if chosen in LOCALES else default


def current_locale() -> str:
    """This request's language, as `init_locale` picked it before the view ran."""
    return g.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]


def init_locale(app: Flask, default_locale: str, translation_dirs: list[str]) -> Babel:
    app.config["BABEL_DEFAULT_LOCALE"] = default_locale
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_dirs)
    babel = Babel(app, locale_selector=lambda: select_locale(default_locale))

    @app.before_request
    def _pick_locale() -> None:
        g.locale = select_locale(default_locale)

    @app.after_request
    def _remember_locale(response: Response) -> Response:
        chosen = request.args.get("lang")
        if chosen in LOCALES and request.cookies.get(LOCALE_COOKIE) != chosen:
            response.set_cookie(LOCALE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax")
        return response

    @app.context_processor
    def _locale_context() -> dict[str, Any]:
        locale = current_locale()
        return {
            "locale": locale,
            "text_dir": "rtl" if locale in RTL_LOCALES else "ltr",
            "other_locale": "en" if locale == "fa" else "fa",
        }

    app.jinja_env.filters["digits"] = lambda v: (
        dates.to_persian_digits(v) if current_locale() == "fa" else str(v)
    )
    app.jinja_env.filters["number"] = lambda v, d=0: dates.format_number(v, current_locale(), d)
    app.jinja_env.filters["jdate"] = lambda v, with_time=False: dates.format_jalali(
        v, current_locale(), with_time
    )
    app.jinja_env.filters["jdate_short"] = lambda v: dates.format_jalali_numeric(v, current_locale())
    return babel


def security_headers(app: Flask, csp: str) -> None:
    """Everything is served locally, so the policy can forbid every other origin."""

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
