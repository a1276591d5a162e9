"""SQLAlchemy 2 plumbing shared by the platform and the feedback service (each has its own database).

One engine per database URL and process; sessions are short-lived units of work. SQLite is only
the embedded default, so it gets the pragmas that make it behave (foreign keys, WAL, a busy wait).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import weakref
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    MetaData,
    SmallInteger,
    Table,
    create_engine,
    event,
    func,
    insert,
    inspect,
    make_url,
    text,
)
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.sql import Select

from core.dates import utcnow  # defined in core.dates; imported from here too (re-exported)
from core.errors import Conflict, GovcloudError, UnknownReference, ValidationError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


MAX_ID = 2**31 - 1
"""Ids are PostgreSQL integers: a larger one names no row, and must not reach SQL (an overflow error)."""


def is_valid_id(value: int) -> bool:
    """Whether `value` can name a row at all (1 to MAX_ID); check before a lookup by a requested id."""
    return 0 < value <= MAX_ID


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


_INTEGER_RANGE = {SmallInteger: 2**15, Integer: 2**31, BigInteger: 2**63}


def _does_not_fit(column: Any, value: Any) -> str | None:
    """What is wrong with storing `value` in `column`, if its length or range is past the column's."""
    length = getattr(column.type, "length", None)
    if isinstance(value, str) and length is not None and len(value) > length:
        return f"at most {length} characters"
    if isinstance(value, int) and not isinstance(value, bool):
        bound = next((b for t, b in _INTEGER_RANGE.items() if type(column.type) is t), None)
        if bound is not None and not -bound <= value < bound:
            return "out of range"
    return None


def refuse_values_that_do_not_fit(session: Session, _context: Any, _instances: Any) -> None:
    """Before every flush: a string longer than its column or a number past its integer column is a
    validation error naming the attribute (a 422 on the web), not a DataError from the database (a
    500), whichever service stored it. Raised before any SQL, so the session stays usable."""
    fields: dict[str, str] = {}
    for obj in (*session.new, *session.dirty):
        state = inspect(obj)
        for attribute in state.mapper.column_attrs:
            if attribute.key in state.dict:
                problem = _does_not_fit(attribute.columns[0], state.dict[attribute.key])
                if problem:
                    fields.setdefault(attribute.key, problem)
    if fields:
        raise ValidationError("some values do not fit", fields=fields)


# On the Session class, so every session of both databases checks, whoever made its sessionmaker.
event.listen(Session, "before_flush", refuse_values_that_do_not_fit)


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


def dialect_insert(session: Session, table: Any) -> Any:
    """INSERT … ON CONFLICT for the dialects we run on (PostgreSQL in production, SQLite embedded)."""
    from sqlalchemy.dialects import postgresql, sqlite

    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def table_of(model: type[Any]) -> Table:
    """A mapped class's table, typed as a `Table` (the declarative `__table__` is typed as any
    FromClause), for Core statements: `insert(table_of(Response))`."""
    return cast(Table, model.__table__)


def affected_rows(result: Result[Any]) -> int:
    """How many rows the UPDATE or DELETE that gave `result` changed (its cursor's rowcount)."""
    return cast("CursorResult[Any]", result).rowcount


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

_SelectT = TypeVar("_SelectT", bound=Select[*tuple[Any, ...]])


def where_in_if_few(query: _SelectT, column: Any, ids: Collection[Any]) -> _SelectT:
    """`query` filtered on `column IN ids` when there are at most IN_FILTER_LIMIT ids, else unchanged:
    the caller must still drop the rows whose id it did not ask for."""
    return query.where(column.in_(ids)) if len(ids) <= IN_FILTER_LIMIT else query


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]], chunk: int = 5000) -> None:
    """Insert many rows (dicts with the same keys) in the session's transaction: COPY on PostgreSQL
    (several times faster than INSERTs, which psycopg sends one per row), executemany INSERT on
    SQLite (`make run`). Values must be what the driver adapts as they are (no enums or JSON)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        for start in range(0, len(rows), chunk):
            session.execute(insert(table), list(rows[start : start + chunk]))
        return
    import psycopg  # the PostgreSQL driver; only this path needs it

    columns = list(rows[0])
    raw = cast(psycopg.Connection[Any], session.connection().connection.dbapi_connection)
    quoted = ", ".join(f'"{column}"' for column in columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([row[column] for column in columns])


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


@contextmanager
def task_session(database_url: str) -> Iterator[Session]:
    """A task's unit of work on a database (the platform's or the feedback service's), on the
    process's one engine for it: what every Celery task of both deployables opens."""
    with session_scope(cached_sessionmaker(database_url)) as session:
        yield session


def ping(bind: Engine | Any, timeout_seconds: int = 3) -> None:
    """Raise if the database does not answer; used by /readyz. Takes an engine or a connection's engine."""
    engine: Engine = getattr(bind, "engine", bind)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"SET LOCAL statement_timeout = {int(timeout_seconds * 1000)}"))
        connection.execute(text("SELECT 1"))


_KEY_COLUMNS = re.compile(r"Key \(([^)]*)\)")
# SQLSTATE classes of integrity failures (PostgreSQL): foreign key, unique, not null, check
_FOREIGN_KEY, _UNIQUE, _NOT_NULL = "23503", "23505", "23502"


def integrity_error_as_domain(exc: Exception) -> GovcloudError:
    """The last resort for an integrity failure that a service did not check first (services check
    references with `core.errors.require_reference`): bad input naming the column's field, never a 500.
    A reference to a missing row is 422, a clash with an existing row 409. Values are not echoed."""
    orig = getattr(exc, "orig", exc)
    diag = getattr(orig, "diag", None)
    state = getattr(orig, "sqlstate", None) or ""
    detail = getattr(diag, "message_detail", None) or ""
    match = _KEY_COLUMNS.search(detail)
    columns = [c.strip() for c in match.group(1).split(",")] if match else []
    column = getattr(diag, "column_name", None)
    if column and not columns:
        columns = [column]
    if state == _UNIQUE:
        return Conflict("already exists", fields=dict.fromkeys(columns, "already used"))
    if state == _FOREIGN_KEY and len(columns) == 1:
        what = columns[0].removesuffix("_id").replace("_", " ") or "row"
        return UnknownReference(columns[0], what)
    fields = dict.fromkeys(columns, "required" if state == _NOT_NULL else "not accepted")
    return ValidationError("the database refused this change", fields=fields)
