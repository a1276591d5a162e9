"""The `govcloud` command: one click group per area, each command a thin caller of one service."""

from __future__ import annotations

import click

from portal.commands import register_commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Government cloud onboarding platform (ابر دولت)."""


register_commands(main)

if __name__ == "__main__":
    main()
