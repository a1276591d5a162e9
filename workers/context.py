"""What a task needs to reach the database: one engine per worker process, built from the app's settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from celery import current_app
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_sessionmaker, session_scope
from core.settings import Settings


def task_settings() -> Settings:
    return current_app.conf.govcloud_settings


@cache
def _factory(database_url: str) -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(database_url))


@contextmanager
def task_session() -> Iterator[Session]:
    with session_scope(_factory(task_settings().database_url)) as session:
        yield session
