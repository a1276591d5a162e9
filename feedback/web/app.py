"""App factory of the feedback service, deployable on its own (own database, own health endpoints)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, render_template
from sqlalchemy.orm import Session, sessionmaker

from core import web
from core.db import make_engine, make_sessionmaker, ping
from core.settings import Settings, load_settings
from core.taskqueue import ping_broker
from feedback.db import read_only_engine

HERE = Path(__file__).resolve().parent

pages = Blueprint("pages", __name__)


@pages.get("/")
@web.public
def index() -> str:
    return render_template("feedback/index.html")


def create_app(
    settings: Settings | None = None, session_factory: sessionmaker[Session] | None = None
) -> Flask:
    from feedback.web import account, admin, auth, codes, coverage, errors, jobs, portal_sign_in, security
    from feedback.worker import create_celery

    settings = settings or load_settings()
    app = web.create_base_app(
        "feedback", HERE, settings, security.UPLOAD_BYTES, SESSION_COOKIE_NAME="feedback_session"
    )
    if session_factory is None:
        session_factory = make_sessionmaker(make_engine(settings.feedback_database_url))
    web.init_sessions(app, session_factory)
    dashboards_url = settings.feedback_dashboard_database_url
    if dashboards_url:  # a read-only copy for the dashboards' reads (docs/feedback-scale.md)
        app.extensions["dashboard_sessionmaker"] = make_sessionmaker(read_only_engine(dashboards_url))
    celery = app.extensions["celery"] = create_celery(settings)
    security.init_security(app, settings)
    auth.init_auth(app)
    errors.init_errors(app)
    web.refuse_unstorable_text(app)
    app.register_blueprint(
        web.health_blueprint(
            lambda: {
                "database": lambda: ping(session_factory.kw["bind"]),
                "broker": lambda: ping_broker(celery),
            }
        )
    )
    app.register_blueprint(pages)
    app.register_blueprint(account.bp)
    portal_sign_in.init_portal_sign_in(app)
    app.register_blueprint(codes.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(coverage.bp)
    init_missing_code_reports(app)
    init_dashboards(app)
    init_survey(app)
    web.init_front(app, settings.trusted_proxies)
    return app


def init_missing_code_reports(app: Flask) -> None:
    """The web form, the status page and the Bale webhook (posted by Bale's servers: no CSRF token,
    its secret path is the credential, and the access log never shows that path)."""
    from feedback.web import bale, reports, security

    app.register_blueprint(reports.bp)
    app.register_blueprint(bale.bp)
    security.csrf.exempt(bale.bp)
    bale.init_log_scrubbing(app)


def init_dashboards(app: Flask) -> None:
    """Scoped dashboards, their alerts and reports, and the public transparency page."""
    from feedback.web import comments, dashboard_work, dashboards, transparency

    app.register_blueprint(dashboards.bp)
    app.teardown_appcontext(dashboards.close_read_session)
    app.register_blueprint(dashboard_work.bp)
    app.register_blueprint(comments.bp)
    app.register_blueprint(transparency.bp)


def init_survey(app: Flask) -> None:
    """The survey posts carry their own signed, device-bound form token instead of the session's CSRF
    token (a citizen has no session); the survey admin pages use the usual CSRF."""
    from feedback.web import security
    from feedback.web.survey import admin, fast_path, routes

    app.register_blueprint(routes.bp)
    security.csrf.exempt(routes.bp)
    app.register_blueprint(admin.bp)
    fast_path.install(app)
