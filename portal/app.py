"""The portal's app factory: a list of init calls, nothing done at import time."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from jinja2 import StrictUndefined
from sqlalchemy.orm import Session, sessionmaker

from core import web
from core.settings import Settings, load_settings
from portal import auth, db, errors, security
from portal.security import UPLOAD_BYTES
from portal.views import register_blueprints
from workers.app import connect_catalog_to_compliance

HERE = Path(__file__).resolve().parent


def create_app(
    settings: Settings | None = None, session_factory: sessionmaker[Session] | None = None
) -> Flask:
    settings = settings or load_settings()
    app = Flask("portal", root_path=str(HERE))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        GOVCLOUD=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        MAX_CONTENT_LENGTH=UPLOAD_BYTES,
        JSON_SORT_KEYS=False,
    )
    app.jinja_env.undefined = StrictUndefined
    web.init_body_limits(app)  # first of all hooks
    db.init_db(app, settings, session_factory)
    web.init_locale(app, settings.default_locale, [str(HERE / "translations")])
    web.init_metrics(app, "portal")
    web.security_headers(app, web.DEFAULT_CSP)
    security.init_security(app, settings)
    auth.init_auth(app)
    errors.init_errors(app)
    web.use_database_ids(app)
    app.extensions["celery"] = connect_catalog_to_compliance(settings)
    register_blueprints(app, settings)
    web.init_front(app, settings.trusted_proxies)
    return app
