"""CSRF on every form and rate limits on public endpoints (Redis-backed when Redis is configured).

`limiter` is module-level so views can declare their limits with `@limiter.limit(...)`; its storage
is set per app from settings, shared by every worker process through Redis in production.
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from core.settings import Settings

csrf = CSRFProtect()
# The largest descriptor upload (page or API); every other route reads far less (core.web.body_limit).
UPLOAD_BYTES = 64 * 1024 * 1024
limiter = Limiter(key_func=get_remote_address)


def init_security(app: Flask, settings: Settings) -> None:
    app.config.update(
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead of a clock
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_KEY_PREFIX=f"{settings.task_queue_prefix}portal-limits",
        RATELIMIT_STRATEGY="moving-window",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    csrf.init_app(app)
    limiter.init_app(app)
