"""Command groups are attached here and only here."""

from __future__ import annotations

import click


def register_commands(group: click.Group) -> None:
    from feedback import cli as feedback_cli
    from portal.commands import system

    for command in system.COMMANDS:
        group.add_command(command)
    group.add_command(feedback_cli.group)
