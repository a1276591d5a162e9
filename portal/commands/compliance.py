"""`govcloud compliance`: take a snapshot by hand (what beat does every night)."""

from __future__ import annotations

import datetime as dt

import click

from core.actors import SYSTEM
from core.dates import parse_jalali, tehran_today
from core.db import session_scope
from core.settings import load_settings
from portal.commands import session_factory


@click.group("compliance")
def group() -> None:
    """Programs, milestones and daily compliance figures."""


@group.command("snapshot")
@click.option("--day", default="", help="Jalali (1403/08/30) or ISO date; default: today in Tehran.")
def snapshot(day: str) -> None:
    """Compute every agency × active milestone for the day (replaces that day's figures)."""
    from onboarding.compliance.services import take_snapshot

    try:
        when = (dt.date.fromisoformat(day) if "-" in day else parse_jalali(day)) if day else tehran_today()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--day") from None
    settings = load_settings()
    with session_scope(session_factory(settings)) as session:
        result = take_snapshot(session, SYSTEM, when, email_enabled=bool(settings.smtp_url))
    counts = ", ".join(f"{status}: {count}" for status, count in sorted(result.statuses.items()))
    click.echo(f"{when.isoformat()}: {result.rows} rows ({counts or 'no agencies in scope'})")
