"""Command groups are attached here and only here."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_sessionmaker
from core.errors import GovcloudError
from core.settings import Settings, load_settings


def session_factory(settings: Settings | None = None) -> sessionmaker[Session]:
    """Sessions on the platform database (settings from the environment unless given)."""
    return make_sessionmaker(make_engine((settings or load_settings()).database_url))


def fail(exc: GovcloudError) -> click.ClickException:
    """A domain error as a command's error message, with the fields it names (a descriptor's error
    words every problem itself, `file:line: field: reason`)."""
    if getattr(exc, "problems", None):
        return click.ClickException(str(exc))
    details = "; ".join(f"{k}: {v}" for k, v in getattr(exc, "fields", {}).items())
    return click.ClickException(f"{exc.message}{': ' + details if details else ''}")


def register_commands(group: click.Group) -> None:
    from feedback import cli as feedback_cli
    from portal.commands import agencies, catalog, compliance, migrate, system, tenants, users

    for command in system.COMMANDS:
        group.add_command(command)
    group.add_command(users.group)
    group.add_command(agencies.group)
    group.add_command(tenants.group)
    group.add_command(migrate.group)
    for command in catalog.COMMANDS:
        group.add_command(command)
    group.add_command(compliance.group)
    group.add_command(feedback_cli.group)
