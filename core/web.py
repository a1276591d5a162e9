"""Web plumbing shared by the portal and the feedback service: the base app (`create_base_app`), the
request's database session (`get_session`), the role-decorator factory (`access_required`), access
markers, health, metrics, locale.

Kept apart from the rest of `core` (which knows nothing of Flask) so that the feedback service,
which may import only `core`, serves the same /healthz, /readyz, request ids and metrics as the portal.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar, cast
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, Response, abort, current_app, g, jsonify, request
from flask_babel import Babel
from jinja2 import StrictUndefined
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.exceptions import NotFound as NotFoundError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from core import dates, logs
from core.db import MAX_ID as MAX_DATABASE_ID
from core.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
# Everything is served from our own origin, so the policy can forbid every other one.
DEFAULT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


def csp_with_inline(styles: Iterable[str] = (), scripts: Iterable[str] = ()) -> str:
    """DEFAULT_CSP that also lets exactly these inline <style> and <script> bodies run, named by their
    SHA-256: for a page that must arrive in one request (the survey on a slow phone network). Any
    other inline code, injected or not, is still refused."""

    def sources(bodies: Iterable[str]) -> str:
        return "".join(
            f" 'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
            for body in bodies
        )

    return DEFAULT_CSP.replace("style-src 'self'", "style-src 'self'" + sources(styles), 1).replace(
        "script-src 'self'", "script-src 'self'" + sources(scripts), 1
    )


LOCALES = ("fa", "en")
RTL_LOCALES = {"fa"}
LOCALE_COOKIE = "lang"


def init_sessions(app: Flask, session_factory: sessionmaker[Session]) -> None:
    """One database session per request, from `session_factory`: opened on first use
    (`get_session`), closed when the request ends. Views never commit; services do. Tests hand the
    app a sessionmaker bound to a connection inside a transaction rolled back afterwards."""
    app.extensions["db_sessionmaker"] = session_factory
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    """The request's database session (the app's own database: the platform's or the feedback
    service's)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    session: Session = g.db_session
    return session


def rollback_session() -> None:
    """Abandon the request's failed transaction, so that what answers the error (the error page reads
    the signed-in user) can still use the session instead of failing with PendingRollbackError."""
    session: Session | None = g.get("db_session")
    if session is not None:
        session.rollback()


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


def mark_access(view: F, rule: str) -> F:
    """Every route carries exactly one access rule; tests walk the URL map and fail on a missing one."""
    existing = getattr(view, "__access__", None)
    if existing is not None:
        raise RuntimeError(f"{view.__name__} already has an access rule: {existing}")
    view.__access__ = rule  # type: ignore[attr-defined] # a mark on the function, read from the URL map
    return view


def public(view: F) -> F:
    """Open to anyone, signed in or not. Say so explicitly: a route with no rule fails the suite."""
    return mark_access(view, "public")


def access_required(
    rule: str, allowed: Callable[[Any], bool], signed_out: Callable[[], Any]
) -> Callable[[F], F]:
    """The role-decorator factory of both apps: a view for a signed-in actor (`g.actor`, set by the
    app's own loader) whom `allowed` lets in; anyone else signed in gets 403, and a signed-out
    visitor `signed_out()`'s answer (the app's sign-in page, or 401 where a script is asking). The
    decorated view carries `rule` as its access rule."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = g.get("actor")
            if actor is None:
                return signed_out()
            if not allowed(actor):
                abort(403)
            return view(*args, **kwargs)

        return mark_access(cast(F, wrapper), rule)  # functools.wraps keeps the signature of F

    return decorate


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
        view.__body_limit__ = max_bytes  # type: ignore[attr-defined] # a mark on the function, as __access__
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
            body = _read_up_to(request.environ["wsgi.input"], limit + 1)
            if len(body) > limit:
                raise RequestEntityTooLarge()
            request.environ["wsgi.input"] = io.BytesIO(body)
            request.environ["CONTENT_LENGTH"] = str(len(body))

    app.before_request_funcs.setdefault(None, []).insert(0, _limit_body)


def _read_up_to(stream: Any, size: int) -> bytes:
    """`size` bytes of `stream`, or all of it if shorter: a read may return less than asked (a chunk
    at a time) before the end, and stopping there would drop the rest of a body."""
    parts: list[bytes] = []
    missing = size
    while missing > 0:
        part = stream.read(missing)
        if not part:
            break
        parts.append(part)
        missing -= len(part)
    return b"".join(parts)


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` for ids of database rows: a number beyond PostgreSQL's integer names no row, so it
    answers 404 right away instead of reaching SQL as an out-of-range error (500). Raised while
    matching, so no other route with the same path shape gets a say (which would answer 405)."""

    MAX_ID = MAX_DATABASE_ID

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
    app.wsgi_app = RequestIdMiddleware(app.wsgi_app)  # type: ignore[method-assign] # Flask's way to wrap it
    trust_proxies(app, trusted_proxies)


def unstorable(text: str) -> str | None:
    """Why PostgreSQL cannot store this text, if it cannot: a NUL character, or a lone surrogate
    (which has no UTF-8 form; a JSON string can spell one)."""
    if "\x00" in text:
        return "contains a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a character that is not valid Unicode"
    return None


def _unstorable_json(value: Any, path: str, found: dict[str, str]) -> None:
    if isinstance(value, str):
        problem = unstorable(value)
        if problem:
            found.setdefault(path or "body", problem)
    elif isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            _unstorable_json(key, name, found)
            _unstorable_json(item, name, found)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _unstorable_json(item, f"{path}[{index}]", found)


def refuse_unstorable_text(app: Flask) -> None:
    """Every request's query, form and JSON text is checked once, before any view: text that the
    database cannot hold is a 422 naming the field, instead of a 500 from wherever it is stored."""
    from core.errors import ValidationError

    @app.before_request
    def _refuse() -> None:
        found: dict[str, str] = {}
        for fields in (request.args, request.form):
            for key in fields:
                problem = next(filter(None, map(unstorable, [key, *fields.getlist(key)])), None)
                if problem:
                    found.setdefault(key, problem)
        if request.is_json:
            _unstorable_json(request.get_json(silent=True), "", found)
        if found:
            raise ValidationError("some text cannot be stored", fields=found)


# --- redirects ----------------------------------------------------------------------------------

MAX_NEXT_LENGTH = 2000


def safe_next_url(target: str | None, fallback: str) -> str:
    """Where to go after signing in: `target` if it is a path on this site, else `fallback`.

    An open redirect after sign-in helps phishing, and browsers read more into a URL than
    `urlsplit` does (the WHATWG URL standard): a backslash counts as a slash (`/\\evil.example` is
    another host), tabs and newlines are dropped anywhere (`/<tab>/evil.example` too), leading
    control characters and spaces are trimmed. So this accepts only an allowlist shape: one leading
    `/` not followed by `/`, no backslash, no control character or space, no scheme or host, and
    not too long. Tested against a WHATWG parser (ada-url) in tests/core/test_redirects.py."""
    if not target or len(target) > MAX_NEXT_LENGTH:
        return fallback
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    if any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


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


def switch_locale_url(locale: str) -> str:
    """The language switch's link: this page (a relative `?…` keeps the path) with its scope and filters,
    only `lang` changed."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return "?" + urlencode([*args, ("lang", locale)])


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
        other = "en" if locale == "fa" else "fa"
        return {
            "locale": locale,
            "text_dir": "rtl" if locale in RTL_LOCALES else "ltr",
            "other_locale": other,
            "other_locale_url": switch_locale_url(other),
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


HSTS = "max-age=31536000; includeSubDomains"
"""Strict-Transport-Security for a year: sent only on responses served over HTTPS (a browser ignores
it over HTTP, and the embedded demo is plain HTTP on 127.0.0.1)."""


def hsts_headers(scheme: str) -> list[tuple[str, str]]:
    """The HSTS header for a response to a request of this scheme (for WSGI code in front of Flask)."""
    return [("Strict-Transport-Security", HSTS)] if scheme == "https" else []


def trust_proxies(app: Flask, count: int) -> None:
    """Behind `count` reverse proxies: the client's address and scheme come from the last `count`
    X-Forwarded-For / X-Forwarded-Proto entries (per-address limits see the client, and a request
    the client made over HTTPS is `request.is_secure`, so it gets HSTS). Call it last in the app
    factory: it must be the outermost WSGI layer, so code in front of Flask sees the same."""
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign] # as Flask documents


def security_headers(app: Flask, csp: str) -> None:
    """Everything is served locally, so the policy can forbid every other origin; HSTS over HTTPS."""

    @app.after_request
    def _headers(response: Response) -> Response:
        for name, value in hsts_headers(request.scheme):
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response


def create_base_app(
    name: str, root_path: Path, settings: Settings, max_content_length: int, **config: Any
) -> Flask:
    """What both apps are built on: the session cookie's flags, strict templates, body limits (the
    first of all hooks), the locale (translations in `root_path/translations`), metrics under
    `name`, and the security headers. Each app adds its database, sign-in, errors and pages."""
    app = Flask(name, root_path=str(root_path))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        GOVCLOUD=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        MAX_CONTENT_LENGTH=max_content_length,
        **config,
    )
    app.jinja_env.undefined = StrictUndefined
    init_body_limits(app)
    init_locale(app, settings.default_locale, [str(root_path / "translations")])
    init_metrics(app, name)
    security_headers(app, DEFAULT_CSP)
    return app


def audit_export(fmt: str, read: Callable[[], Iterable[Any]], stem: str) -> Response:
    """An audit trail's export, the same in both apps: `read` gives the matching entries, oldest
    first; `fmt` is csv (for people) or jsonl (for a SIEM), any other a 404 before anything is read."""
    from core.audit import export_body

    if fmt not in ("csv", "jsonl"):
        abort(404)
    return Response(
        export_body(read(), fmt),
        mimetype="text/csv; charset=utf-8" if fmt == "csv" else "application/x-ndjson; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'},
    )
