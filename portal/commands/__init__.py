"""Command groups are attached here and only here."""

from __future__ import annotations

import click


def register_commands(group: click.Group) -> None:
    from portal.commands import system, users

    for command in system.COMMANDS:
        group.add_command(command)
    group.add_command(users.group)
