"""The feedback database: its declarative base and metadata (apart from the platform's), the
sessions outside a web request (the worker's tasks; a request's come from `core.web.get_session`),
and the autocommit pool the survey's submissions and the rollup folds use."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, MetaData
from sqlalchemy.orm import DeclarativeBase, Session

from core.db import NAMING_CONVENTION, cached_sessionmaker, make_engine, session_scope
from core.settings import Settings


class FeedbackBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def load_all_models() -> None:
    """Import every feedback model module so the metadata is complete."""
    import feedback.accounts.models
    import feedback.codes.models
    import feedback.dashboards.models
    import feedback.jobs.models
    import feedback.registry.models
    import feedback.reports.models
    import feedback.rollups.models
    import feedback.survey.models  # noqa: F401


@contextmanager
def task_session(settings: Settings) -> Iterator[Session]:
    """A task's unit of work on the feedback database (`session_scope` on the process's shared engine)."""
    with session_scope(cached_sessionmaker(settings.feedback_database_url)) as session:
        yield session


_AUTOCOMMIT: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def autocommit_engine(engine: Engine) -> Engine:
    """A small pool beside the engine's own, of connections that stay in autocommit and are not
    pinged at checkout: switching a pooled connection to autocommit and back, and pinging it, cost
    about a third of a submission's call. A dropped connection fails the call; callers that must
    not fail (`submit_response`) retry on a fresh one."""
    found = _AUTOCOMMIT.get(engine)
    if found is None:
        url = engine.url.render_as_string(hide_password=False)
        found = make_engine(url, isolation_level="AUTOCOMMIT", pool_pre_ping=False)
        _AUTOCOMMIT[engine] = found
    return found
