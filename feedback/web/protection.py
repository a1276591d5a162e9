"""CSRF on every form and per-address rate limits for the feedback service's public pages.

Module-level so views declare their limits with `@limiter.limit(...)`; `app.init_form_protection`
binds them to an app (Redis-backed when `redis_url` is set, so every worker process shares counts).
"""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address)
