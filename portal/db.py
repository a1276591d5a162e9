"""The platform database behind the portal: its engine, and the request-scoped sessions of
`core.web` (`get_session`) on it."""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_sessionmaker
from core.settings import Settings
from core.web import init_sessions


def init_db(app: Flask, settings: Settings, session_factory: sessionmaker[Session] | None = None) -> None:
    engine: Engine | None = None
    if session_factory is None:
        engine = make_engine(settings.database_url)
        session_factory = make_sessionmaker(engine)
    app.extensions["db_engine"] = engine or session_factory.kw["bind"]
    init_sessions(app, session_factory)


def get_engine() -> Engine:
    return current_app.extensions["db_engine"].engine
