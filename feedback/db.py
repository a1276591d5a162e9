"""The feedback database's sessions outside a web request (the worker's tasks)."""

from __future__ import annotations

from functools import cache

from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_sessionmaker


@cache
def task_sessionmaker(database_url: str) -> sessionmaker[Session]:
    """One engine per worker process and database, made on first use and shared by every task."""
    return make_sessionmaker(make_engine(database_url))
