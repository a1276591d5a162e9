"""Command groups are attached here and only here."""

from __future__ import annotations

import click


def register_commands(group: click.Group) -> None:
    from feedback import cli as feedback_cli
    from portal.commands import catalog, compliance, migrate, system, users

    for command in system.COMMANDS:
        group.add_command(command)
    group.add_command(users.group)
    group.add_command(migrate.group)
    for command in catalog.COMMANDS:
        group.add_command(command)
    group.add_command(compliance.group)
    group.add_command(feedback_cli.group)
