"""The request's database session: opened on first use, closed when the request ends.

Views never commit; services do. Tests hand the app a sessionmaker bound to a connection inside a
transaction that is rolled back afterwards.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_sessionmaker
from core.settings import Settings


def init_db(app: Flask, settings: Settings, session_factory: sessionmaker[Session] | None = None) -> None:
    engine: Engine | None = None
    if session_factory is None:
        engine = make_engine(settings.database_url)
        session_factory = make_sessionmaker(engine)
    app.extensions["db_engine"] = engine or session_factory.kw["bind"]
    app.extensions["db_sessionmaker"] = session_factory
    app.teardown_appcontext(_close_session)


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    return g.db_session


def get_engine() -> Engine:
    return current_app.extensions["db_engine"].engine


def _close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


def rollback_session() -> None:
    """Abandon the request's failed transaction, so that what answers the error (the error page reads
    the signed-in user) can still use the session instead of failing with PendingRollbackError."""
    session: Session | None = g.get("db_session")
    if session is not None:
        session.rollback()
