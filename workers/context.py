"""What a task needs to reach the database: one engine per worker process, built from the app's settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from celery import current_app, current_task
from sqlalchemy.orm import Session

from core.db import cached_sessionmaker, session_scope
from core.settings import Settings


def task_settings() -> Settings:
    """The settings of the app running this task. Taken from the task itself, not the process's
    current app: a process may host more than one app (the feedback service's, in tests)."""
    app = current_task.app if current_task else current_app
    return app.conf.govcloud_settings


@contextmanager
def task_session() -> Iterator[Session]:
    with session_scope(cached_sessionmaker(task_settings().database_url)) as session:
        yield session
