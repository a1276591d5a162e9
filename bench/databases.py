"""A PostgreSQL database of a benchmark's own: created, migrated, dropped afterwards.

It is created through an admin URL: GOVCLOUD_BENCH_DATABASE_URL when set, else the tests' own
GOVCLOUD_TEST_DATABASE_URL, else the local `postgres` database
(postgresql+psycopg://postgres@127.0.0.1:5432/postgres)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from core import migrate
from core.db import make_engine

ADMIN_URL = (
    os.environ.get("GOVCLOUD_BENCH_DATABASE_URL")
    or os.environ.get("GOVCLOUD_TEST_DATABASE_URL")
    or "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def temporary_database(label: str, history: str) -> Iterator[str]:
    """Yields the URL of a fresh database migrated with `history`; always dropped."""
    name = f"govcloud_bench_{label}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(history, url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
