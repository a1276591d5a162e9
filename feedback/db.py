"""The feedback database: its declarative base and metadata (apart from the platform's), and the
autocommit pool the survey's submissions and the rollup folds use. Its sessions come from `core`
like the platform's: a request's from `core.web.get_session`, a task's from `core.db.task_session`."""

from __future__ import annotations

import weakref

from sqlalchemy import Connection, Engine, MetaData
from sqlalchemy.orm import DeclarativeBase

from core.db import NAMING_CONVENTION, given_url, make_engine


class FeedbackBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def load_all_models() -> None:
    """Import every feedback model module so the metadata is complete."""
    import feedback.accounts.models
    import feedback.audit
    import feedback.codes.models
    import feedback.dashboards.models
    import feedback.jobs.models
    import feedback.registry.models
    import feedback.reports.models
    import feedback.rollups.models
    import feedback.survey.models  # noqa: F401


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


def read_only_engine(url: str) -> Engine:
    """An engine for a read-only copy of the feedback database (a streaming replica): every
    transaction on it is READ ONLY, so a write sent there fails instead of diverging from the
    primary, and `fold_pending` knows from the engine alone (no round trip) not to fold there."""
    return make_engine(url, execution_options={"postgresql_readonly": True})


def is_read_only(bind: Engine | Connection) -> bool:
    """True for an engine made by `read_only_engine` (or a connection of one)."""
    return bool(bind.get_execution_options().get("postgresql_readonly"))
