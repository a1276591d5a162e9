"""CSRF on every form, rate limits on the public and sign-in endpoints (Redis when configured, so
every web process shares one count), and who is signed in."""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import TooManyRequests

from core.actors import Actor
from core.ratelimit import Check, RateLimiter, address_prefix
from core.settings import Settings
from core.web import access_required, get_session
from feedback.accounts.actors import actor_for
from feedback.accounts.models import VIEWER
from feedback.accounts.policies import can_manage_registry, can_view_coverage
from feedback.accounts.services import dummy_hash, end_sessions, get_active_account

F = TypeVar("F", bound=Callable[..., Any])

csrf = CSRFProtect()
# The national registry's import file; every other route reads far less (core.web.body_limit).
UPLOAD_BYTES = 512 * 1024 * 1024
limiter = Limiter(key_func=get_remote_address, strategy="moving-window", headers_enabled=True)

# Short codes: a guess hits about once in 40,000 tries (see codes/short_codes.py); these limits make
# enumerating the registry from one address take years. Generous enough for a shared mobile NAT.
SHORT_CODE_LIMIT = "10 per minute;200 per hour"
SIGN_IN_LIMIT = "5 per minute;30 per hour"
SESSION_KEY = "feedback_account_id"
VERSION_KEY = "v"  # the account's session_version when this session began
SEEN_KEY = "seen"  # when this session last made a request (epoch seconds)
IDLE_TIMEOUT = 30 * 60  # ASVS 3.3.2: an unattended browser is signed out after half an hour
SESSION_LIFETIME = dt.timedelta(hours=12)
# What an account that must change its password may still reach.
WHILE_CHANGING_PASSWORD = {"auth.change_password", "auth.sign_out", "static"}


def init_security(app: Flask, settings: Settings) -> None:
    app.config["WTF_CSRF_TIME_LIMIT"] = None
    app.config["RATELIMIT_STORAGE_URI"] = settings.redis_url or "memory://"
    app.config["RATELIMIT_KEY_PREFIX"] = f"{settings.task_queue_prefix}feedback-limits"
    # sign-in and short-code limits while Redis is down: per process in memory, not a 500
    app.config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    csrf.init_app(app)
    limiter.init_app(app)
    app.extensions["survey_rate_limiter"] = RateLimiter(
        settings.redis_url, f"{settings.task_queue_prefix}feedback-survey-limits:"
    )
    dummy_hash()  # now, so the first sign-in with an unknown e-mail is no slower than the others

    app.config["PERMANENT_SESSION_LIFETIME"] = SESSION_LIFETIME

    @app.before_request
    def _load_actor() -> Any:
        """The session's account while the session is current: active, not ended since (sign-out,
        a password change or reset, a deactivation move the version on), not idle too long."""
        g.actor = None
        account_id = session.get(SESSION_KEY)
        if account_id is None:
            return None
        account = get_active_account(get_session(), int(account_id))
        now = time.time()
        if (
            account is None
            or session.get(VERSION_KEY) != account.session_version
            or now - float(session.get(SEEN_KEY, 0)) > IDLE_TIMEOUT
        ):
            session.clear()
            return None
        if now - float(session[SEEN_KEY]) > 60:  # the cookie is rewritten at most once a minute
            session[SEEN_KEY] = now
        g.actor = actor_for(account)
        g.must_change_password = account.must_change_password
        if account.must_change_password and request.endpoint not in WHILE_CHANGING_PASSWORD:
            return redirect(url_for("auth.change_password"))
        return None

    @app.context_processor
    def _actor_context() -> dict[str, Any]:
        return {"actor": g.get("actor")}


# The verdict on this request's limits, when the survey's fast path has already asked for it: None
# (allowed, and counted) or the `Refusal`. A WSGI environ key with a dot cannot come from a client
# (headers arrive as HTTP_*).
LIMITS_VERDICT = "govcloud.survey.limits_verdict"
# True when that verdict was reached without Redis (down): the request goes ahead on per-process
# limits and what it stores is marked for review (`limits_unchecked`).
LIMITS_DEGRADED = "govcloud.survey.limits_degraded"


def rate_limited(checks: Callable[[], list[Check]]) -> Callable[[F], F]:
    """The survey's limits: every check's limits counted in one Redis call (`core.ratelimit`), where
    `@limiter.limit` costs a call per limit and window. For the endpoints every citizen hits."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if LIMITS_VERDICT in request.environ:
                refused = request.environ[LIMITS_VERDICT]
            else:
                limits: RateLimiter = current_app.extensions["survey_rate_limiter"]
                refused, degraded = limits.check(checks())
                request.environ[LIMITS_DEGRADED] = degraded
            if refused is not None:
                raise TooManyRequests(retry_after=math.ceil(refused.retry_after))
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def limits_unchecked() -> bool:
    """This request's limits were counted without the shared store (Redis down): per process only."""
    return bool(request.environ.get(LIMITS_DEGRADED))


def client_network(remote_addr: str | None) -> str:
    """The client's network (IPv6 /64, IPv4 the configured prefix): limits kept per network as well
    as per address, so rotating addresses inside one subscriber's range gains nothing."""
    prefix = current_app.config["GOVCLOUD"].client_ipv4_prefix
    return address_prefix(remote_addr or "", ipv4_prefix=prefix)


def network_key() -> str:
    """Flask-Limiter key of `client_network` (apart from the per-address key it already keeps)."""
    return "net:" + client_network(request.remote_addr)


def current_actor() -> Actor | None:
    return g.get("actor")


def sign_in_session(account_id: int, version: int) -> None:
    """A fresh session on sign-in (no fixation), remembered for the browser session only."""
    session.clear()
    session[SESSION_KEY] = account_id
    session[VERSION_KEY] = version
    session[SEEN_KEY] = time.time()


def sign_out_session() -> None:
    """Ends this session and every other of the account's: a copied cookie stops working too."""
    actor = current_actor()
    if actor is not None:
        end_sessions(get_session(), actor.id)
    session.clear()


def _role_required(allowed: Callable[[Actor], bool], rule: str, data: tuple[str, ...]) -> Callable[[F], F]:
    """Signed in and `allowed`, else 403; signed out, to sign-in (and back), or 401 for a data
    address (`data` suffixes), which a script or a download fetches rather than a person."""

    def signed_out() -> Any:
        if request.path.endswith(data):
            abort(401)
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))

    return access_required(rule, allowed, signed_out)


# The access rule of every registry page: signed in as a registry admin.
registry_admin_required = _role_required(can_manage_registry, "registry_admin", (".json",))
# Dashboard pages: signed in with a dashboard account; which scope it may see is the dashboards'
# own policy (`feedback.dashboards.policies`), checked by the service.
viewer_required = _role_required(lambda actor: actor.role == VIEWER, "viewer", (".json", ".csv", ".xlsx"))
# The rollout's coverage: registry admins and dashboard accounts (each narrowed to its own scope by
# `feedback.registry.coverage`; a unit's desks by `can_check_unit`).
coverage_required = _role_required(can_view_coverage, "coverage", (".csv", ".xlsx"))
# Any signed-in account (its own password page).
signed_in_required = access_required(
    "signed_in", lambda _actor: True, lambda: redirect(url_for("auth.sign_in"))
)


def celery_app() -> Any:
    return current_app.extensions["feedback_celery"]
