"""Blueprints are registered here and only here, so the URL map reads in one place."""

from __future__ import annotations

from flask import Flask

from core.settings import Settings
from core.web import health_blueprint


def register_blueprints(app: Flask, settings: Settings) -> None:
    from portal.api import register_api
    from portal.views import (
        account,
        agencies,
        audit,
        availability,
        catalog,
        compliance,
        home,
        migration,
        tenants,
    )
    from portal.views.health import readiness_checks

    app.register_blueprint(health_blueprint(lambda: readiness_checks(app)))
    app.register_blueprint(home.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(migration.bp)
    app.register_blueprint(agencies.bp)
    app.register_blueprint(catalog.bp)
    app.register_blueprint(compliance.bp)
    app.register_blueprint(availability.bp)
    app.register_blueprint(tenants.bp)
    app.register_blueprint(tenants.admin_bp)
    app.register_blueprint(audit.bp)
    register_api(app)
    from portal.views.oidc import init_oidc

    init_oidc(app)
