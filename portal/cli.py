"""The `govcloud` command: one click group per area, each command a thin caller of one service."""

from __future__ import annotations

import click

from core import logs, taskqueue
from portal.commands import register_commands


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Government cloud onboarding platform (ابر دولت)."""
    logs.configure_logging()  # every command, worker and beat logs JSON lines at GOVCLOUD_LOG_LEVEL
    taskqueue.use_our_logging()


register_commands(main)

if __name__ == "__main__":
    main()
