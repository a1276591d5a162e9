"""The feedback database's sessions outside a web request (the worker's tasks), and the autocommit
pool the survey's submissions and the rollup folds use."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.db import cached_sessionmaker, given_url, make_engine, session_scope
from core.settings import Settings


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
        found = make_engine(given_url(engine), isolation_level="AUTOCOMMIT", pool_pre_ping=False)
        _AUTOCOMMIT[engine] = found
    return found
