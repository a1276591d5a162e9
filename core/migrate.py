"""Alembic, driven from code: two histories (platform, feedback), no alembic.ini to keep in sync.

`govcloud db upgrade`, `govcloud run`, the chart's migration Job and the tests all call these.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parent.parent
HISTORIES = {
    "platform": ROOT / "portal" / "migrations",
    "feedback": ROOT / "feedback" / "migrations",
}


def alembic_config(history: str, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HISTORIES[history]))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["history"] = history
    return config


def upgrade(history: str, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(history, url), revision)


def downgrade(history: str, url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(history, url), revision)


def heads(history: str) -> list[str]:
    return list(ScriptDirectory.from_config(alembic_config(history, "sqlite://")).get_heads())


def run_migrations(target_metadata: object, lock_id: int) -> None:
    """Body of each history's env.py: online only, under a PostgreSQL advisory lock because the
    chart's hook job and a starting pod can race to migrate the same database."""
    from alembic import context
    from sqlalchemy import text

    from core.db import make_engine

    config = context.config
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": lock_id})
            connection.commit()
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
        finally:
            if postgres:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": lock_id})
                connection.commit()
    engine.dispose()
