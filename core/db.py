"""SQLAlchemy 2 plumbing shared by the platform and the feedback service (each has its own database).

One engine per database URL and process; sessions are short-lived units of work. SQLite is only
the embedded default, so it gets the pragmas that make it behave (foreign keys, WAL, a busy wait).
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, create_engine, event, func, make_url, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.sql import Select

from core.dates import utcnow  # defined in core.dates; imported from here too (re-exported)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class PlatformBase(DeclarativeBase):
    """Base of the platform database's models (catalog, onboarding, accounts)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now(), nullable=False
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now(), onupdate=utcnow, nullable=False
    )


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 5)
        kwargs.setdefault("max_overflow", 10)
    parsed = make_url(url)
    threshold = parsed.query.get("prepare_threshold")
    if threshold is not None:
        # `?prepare_threshold=none` behind PgBouncer in transaction mode (before 1.21): a statement
        # prepared on one server connection does not exist on the next one the pooler hands out.
        parsed = parsed.difference_update_query(["prepare_threshold"])
        value = None if str(threshold).lower() == "none" else int(str(threshold))
        kwargs["connect_args"] = {**kwargs.get("connect_args", {}), "prepare_threshold": value}
    engine = create_engine(parsed, **kwargs)
    _GIVEN_URLS[engine] = url
    return engine


_GIVEN_URLS: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def given_url(engine: Engine) -> str:
    """The URL `make_engine` was given, with its pooler options (`engine.url` no longer has them):
    for another engine on the same database."""
    return _GIVEN_URLS.get(engine) or engine.url.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@functools.cache
def cached_sessionmaker(database_url: str) -> sessionmaker[Session]:
    """One engine and session factory per database URL and process (workers build it on first use)."""
    return make_sessionmaker(make_engine(database_url))


IN_FILTER_LIMIT = 1000
"""The longest IN list a query sends: up to this many ids are filtered in SQL; above it a query reads
every row (one scan beats a huge IN list) and the caller drops the unwanted ones in Python, and lists
of keys looked up in bulk are sent in chunks of this size."""

_SelectT = TypeVar("_SelectT", bound=Select[Any])


def where_in_if_few(query: _SelectT, column: Any, ids: Collection[Any]) -> _SelectT:
    """`query` filtered on `column IN ids` when there are at most IN_FILTER_LIMIT ids, else unchanged:
    the caller must still drop the rows whose id it did not ask for."""
    return query.where(column.in_(ids)) if len(ids) <= IN_FILTER_LIMIT else query


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A unit of work for CLI commands and tasks: commit is the service's job, rollback is ours."""
    session = factory()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def ping(bind: Engine | Any, timeout_seconds: int = 3) -> None:
    """Raise if the database does not answer; used by /readyz. Takes an engine or a connection's engine."""
    engine: Engine = getattr(bind, "engine", bind)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"SET LOCAL statement_timeout = {int(timeout_seconds * 1000)}"))
        connection.execute(text("SELECT 1"))
