"""Alembic, driven from code: two histories (platform, feedback), no alembic.ini to keep in sync.

`govcloud db upgrade`, `govcloud run`, the chart's migration Job and the tests all call these.
"""

from __future__ import annotations

import re
from importlib.resources import files
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


_SECTION = re.compile(
    r"^[ \t]*-- section: (?P<name>[\w-]+)\n.*?^[ \t]*-- end section: (?P=name)\n", re.M | re.S
)


def versioned_sql(package: str, name: str, version: int) -> str:
    """Version `version` of a database function, as the migration that loads it creates it.

    `<package>/sql/<name>_v1.sql` is the whole first version; each later `_vN.sql` holds only the
    sections (`-- section: X` ... `-- end section: X`) it replaces in the version before, so no
    version is written out twice and each stays what its migration ran. A file is never edited
    once a migration loads it: a change is the next version and a new migration."""
    folder = files(package).joinpath("sql")
    text = folder.joinpath(f"{name}_v1.sql").read_text(encoding="utf-8")
    for number in range(2, version + 1):
        patch = folder.joinpath(f"{name}_v{number}.sql").read_text(encoding="utf-8")
        sections = {match["name"]: match[0] for match in _SECTION.finditer(patch)}
        replaced = {match["name"] for match in _SECTION.finditer(text)}
        if not sections or not set(sections) <= replaced:
            raise ValueError(f"{name}_v{number}.sql: sections {sorted(sections)} not all in v{number - 1}")
        text = _SECTION.sub(lambda match, new=sections: new.get(match["name"], match[0]), text)
    return text


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
