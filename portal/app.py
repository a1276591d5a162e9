"""The portal's app factory: a list of init calls, nothing done at import time."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from core import web
from core.settings import Settings, load_settings
from onboarding.probes.descriptors import connect_to_descriptors
from portal import auth, db, errors, security
from portal.security import UPLOAD_BYTES
from portal.views import register_blueprints
from workers.app import connect_catalog_to_compliance

HERE = Path(__file__).resolve().parent


def create_app(
    settings: Settings | None = None, session_factory: sessionmaker[Session] | None = None
) -> Flask:
    settings = settings or load_settings()
    app = web.create_base_app("portal", HERE, settings, UPLOAD_BYTES, JSON_SORT_KEYS=False)
    db.init_db(app, settings, session_factory)
    security.init_security(app, settings)
    auth.init_auth(app)
    errors.init_errors(app)
    web.use_database_ids(app)
    web.refuse_unstorable_text(app)
    app.extensions["celery"] = connect_catalog_to_compliance(settings)
    connect_to_descriptors()  # services' `probe:` in descriptors
    register_blueprints(app, settings)
    web.init_front(app, settings.trusted_proxies)
    return app
