"""Alembic, driven from code: two histories (platform, feedback), no alembic.ini to keep in sync.

`govcloud db upgrade`, `govcloud run`, the chart's migration Job and the tests all call these.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parent.parent
HISTORIES = {
    "platform": ROOT / "portal" / "migrations",
    "feedback": ROOT / "feedback" / "migrations",
}


# Before the platform's files were renumbered to run order, both histories kept their revision in
# Alembic's default table; each now has its own, so an old id is never mistaken for a new one.
OLD_VERSION_TABLE = "alembic_version"


def version_table(history: str) -> str:
    """Where a database records the revision it is at in `history` (`platform_version`, ...)."""
    return f"{history}_version"


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


_WHOLE = re.compile(r"^-- whole version$", re.M)


def versioned_sql(package: str, name: str, version: int) -> str:
    """Version `version` of a database function, as the migration that loads it creates it.

    `<package>/sql/<name>_v1.sql` is the whole first version; each later `_vN.sql` holds only the
    sections (`-- section: X` ... `-- end section: X`) it replaces in the version before, so no
    version is written out twice and each stays what its migration ran. A change outside the
    earlier version's sections is a version written whole (a file that creates the function, marked
    `-- whole version`), which the versions after it patch. A file is never edited once a migration
    loads it: a change is the next version and a new migration."""
    folder = files(package).joinpath("sql")
    text = folder.joinpath(f"{name}_v1.sql").read_text(encoding="utf-8")
    for number in range(2, version + 1):
        patch = folder.joinpath(f"{name}_v{number}.sql").read_text(encoding="utf-8")
        if _WHOLE.search(patch):
            text = patch
            continue
        sections = {match["name"]: match[0] for match in _SECTION.finditer(patch)}
        replaced = {match["name"] for match in _SECTION.finditer(text)}
        if not sections or not set(sections) <= replaced:
            raise ValueError(f"{name}_v{number}.sql: sections {sorted(sections)} not all in v{number - 1}")
        text = _SECTION.sub(functools.partial(_section_or_replacement, sections), text)
    return text


def _section_or_replacement(replacements: Mapping[str, str], match: re.Match[str]) -> str:
    return replacements.get(match["name"], match[0])


def adopt_old_revision(connection: sa.Connection, table: str, renumbered: Mapping[str, str]) -> str | None:
    """A database migrated before the renumbering (docs/upgrading.md): its revision moves from
    `alembic_version` to `table`, its id mapped to the new number (ids not in `renumbered` kept).
    Does nothing where `table` exists already or no old table does. Returns the revision adopted."""
    tables = set(sa.inspect(connection).get_table_names())
    if table in tables or OLD_VERSION_TABLE not in tables:
        return None
    recorded = sa.select(sa.column("version_num", sa.String)).select_from(sa.table(OLD_VERSION_TABLE))
    old = list(connection.execute(recorded).scalars())
    if len(old) > 1:
        raise RuntimeError(f"{OLD_VERSION_TABLE} holds several heads {old}: not a database of this project")
    versions = sa.Table(
        table,
        sa.MetaData(),
        sa.Column("version_num", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("version_num", name=f"{table}_pkc"),
    )
    versions.create(connection)
    adopted = renumbered.get(old[0], old[0]) if old else None
    if adopted is not None:
        connection.execute(versions.insert().values(version_num=adopted))
    connection.execute(sa.text(f"DROP TABLE {OLD_VERSION_TABLE}"))
    return adopted


def run_migrations(
    target_metadata: sa.MetaData, lock_id: int, renumbered: Mapping[str, str] | None = None
) -> None:
    """Body of each history's env.py: online only, under a PostgreSQL advisory lock because the
    chart's hook job and a starting pod can race to migrate the same database. `renumbered` maps
    the history's revision ids before the renumbering to the new ones (`adopt_old_revision`)."""
    from alembic import context

    from core.db import make_engine

    config = context.config
    table = version_table(config.attributes["history"])
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        # One transaction holds the lock, the adoption and every migration: a transaction-level
        # advisory lock, released by the commit, works through PgBouncer in transaction mode too
        # (a session-level lock would stay on whichever server connection took it).
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
        adopt_old_revision(connection, table, renumbered or {})
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table=table,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
    engine.dispose()
