"""CSRF on every form and rate limits on the public and sign-in endpoints (Redis when configured, so
every web process shares one count), as `portal/security.py` for the platform; who is signed in is
`feedback/web/auth.py`."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import TooManyRequests

from core.ratelimit import Check, RateLimiter, address_prefix
from core.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

csrf = CSRFProtect()
# The national registry's import file; every other route reads far less (core.web.body_limit).
UPLOAD_BYTES = 512 * 1024 * 1024
limiter = Limiter(key_func=get_remote_address, strategy="moving-window", headers_enabled=True)

# Short codes: a guess hits about once in 40,000 tries (see codes/short_codes.py); these limits make
# enumerating the registry from one address take years. Generous enough for a shared mobile NAT.
SHORT_CODE_LIMIT = "10 per minute;200 per hour"
SIGN_IN_LIMIT = "5 per minute;30 per hour"
# The same from one network (an IPv6 /64, the IPv4 prefix): addresses rotated inside it share this.
SIGN_IN_NETWORK_LIMIT = "20 per minute;100 per hour"
# Asking for a reset link (each may send an e-mail) and setting a password from one.
RESET_REQUEST_LIMIT = "5 per hour"
RESET_LIMIT = "10 per hour"


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

        return cast(F, wrapped)  # functools.wraps keeps the signature of F

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
