"""CSRF on every form and rate limits on public endpoints (Redis-backed when Redis is configured)."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

from core.settings import Settings

csrf = CSRFProtect()


def init_security(app: Flask, settings: Settings) -> None:
    app.config["WTF_CSRF_TIME_LIMIT"] = None  # tied to the session instead of a clock
    csrf.init_app(app)
    limiter = Limiter(
        key_func=get_remote_address,
        storage_uri=settings.redis_url or "memory://",
        key_prefix=f"{settings.task_queue_prefix}portal-limits",
        strategy="moving-window",
        headers_enabled=True,
    )
    limiter.init_app(app)
    app.extensions["govcloud_limiter"] = limiter
