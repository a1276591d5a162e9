"""App factory of the feedback service, deployable on its own (own database, own health endpoints)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, render_template
from jinja2 import StrictUndefined
from sqlalchemy.orm import Session, sessionmaker

from core import web
from core.db import make_engine, make_sessionmaker, ping
from core.settings import Settings, load_settings
from feedback.web import bale, protection, reports

HERE = Path(__file__).resolve().parent
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)

pages = Blueprint("pages", __name__)


@pages.get("/")
@web.public
def index() -> str:
    return render_template("feedback/index.html")


def create_app(
    settings: Settings | None = None, session_factory: sessionmaker[Session] | None = None
) -> Flask:
    settings = settings or load_settings()
    app = Flask("feedback", root_path=str(HERE))
    app.config.update(
        SECRET_KEY=settings.secret_key,
        GOVCLOUD=settings,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
    )
    app.jinja_env.undefined = StrictUndefined
    if session_factory is None:
        session_factory = make_sessionmaker(make_engine(settings.feedback_database_url))
    app.extensions["db_sessionmaker"] = session_factory
    web.init_locale(app, settings.default_locale, [str(HERE / "translations")])
    web.init_metrics(app, "feedback")
    web.security_headers(app, CSP)
    app.register_blueprint(
        web.health_blueprint(lambda: {"database": lambda: ping(session_factory.kw["bind"])})
    )
    app.register_blueprint(pages)
    init_form_protection(app, settings)
    init_missing_code_reports(app)
    return app


def init_form_protection(app: Flask, settings: Settings) -> None:
    """CSRF on every form, rate limits on public endpoints (Redis-backed when Redis is configured)."""
    app.config.update(
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_KEY_PREFIX=f"{settings.task_queue_prefix}feedback-limits",
        RATELIMIT_STRATEGY="moving-window",
        RATELIMIT_HEADERS_ENABLED=True,
    )
    protection.csrf.init_app(app)
    protection.limiter.init_app(app)


def init_missing_code_reports(app: Flask) -> None:
    """The web form, the status page and the Bale webhook (posted by Bale's servers: no CSRF token,
    its secret path is the credential, and the access log never shows that path)."""
    app.register_blueprint(reports.bp)
    app.register_blueprint(bale.bp)
    protection.csrf.exempt(bale.bp)
    bale.init_log_scrubbing(app)
