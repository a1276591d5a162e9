"""Running the platform: run (everything, embedded), db, seed, worker, beat."""

from __future__ import annotations

import sys

import click

from core import migrate
from core.db import make_engine, make_sessionmaker, session_scope
from core.settings import Settings, load_settings
from core.taskqueue import run_worker


def _settings() -> Settings:
    settings = load_settings()
    settings.var_path.mkdir(parents=True, exist_ok=True)
    return settings


@click.group("db")
def db_group() -> None:
    """Database migrations (platform and feedback histories)."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Migrate the platform and feedback databases to the newest revision."""
    settings = _settings()
    upgrade_all(settings)
    click.echo("platform and feedback databases are up to date")


def upgrade_all(settings: Settings) -> None:
    """Both histories, on the direct URLs when set (PgBouncer stays out of schema changes)."""
    migrate.upgrade("platform", settings.database_direct_url or settings.database_url)
    migrate.upgrade("feedback", settings.feedback_database_direct_url or settings.feedback_database_url)


@click.command("seed")
@click.option("--demo/--no-demo", default=True, show_default=True, help="Also add demo accounts and data.")
def seed(demo: bool) -> None:
    """Load reference data (agencies), and demo data unless --no-demo. Safe to run twice."""
    settings = _settings()
    for line in run_seed(settings, demo):
        click.echo(line)


def run_seed(settings: Settings, demo: bool) -> list[str]:
    from portal.demo import seed_platform

    platform_factory = make_sessionmaker(make_engine(settings.database_url))
    feedback_factory = make_sessionmaker(make_engine(settings.feedback_database_url))
    with session_scope(platform_factory) as platform, session_scope(feedback_factory) as feedback:
        return seed_platform(settings, platform, feedback, demo=demo)


@click.command("run")
@click.option("--no-demo", is_flag=True, help="Start without demo data.")
@click.option("--workers", default=2, show_default=True, help="Web worker processes per app.")
def run(no_demo: bool, workers: int) -> None:
    """Migrate, seed, and serve the portal and the feedback service with a worker and beat (embedded)."""
    from portal.runner import serve_everything

    settings = _settings()
    click.echo("migrating databases…")
    upgrade_all(settings)
    for line in run_seed(settings, demo=not no_demo):
        click.echo(line)
    sys.exit(serve_everything(settings, workers))


@click.command("worker")
@click.option("--queues", "-Q", default="", help="Comma-separated queues (default: all).")
@click.option("--concurrency", "-c", default=2, show_default=True)
@click.option("--beat", is_flag=True, help="Run the beat scheduler inside this worker (embedded mode).")
def worker(queues: str, concurrency: int, beat: bool) -> None:
    """Run a Celery worker for the platform's tasks."""
    from workers.app import create_celery

    settings = load_settings()
    run_worker(create_celery(settings), settings, queues, concurrency, beat)


@click.command("beat")
def beat() -> None:
    """Run the Celery beat scheduler (exactly one per deployment)."""
    from workers.app import create_celery

    settings = load_settings()
    create_celery(settings).start(["beat", f"--loglevel={settings.log_level.upper()}"])


@click.command("dead-letters")
@click.option("--limit", default=100, show_default=True)
def dead_letters_command(limit: int) -> None:
    """List the platform's dead letters: tasks whose worker died on every delivery, newest first."""
    from core.taskqueue import dead_letters, describe_dead_letter
    from workers.app import create_celery

    entries = dead_letters(create_celery(load_settings()), limit)
    for entry in entries:
        click.echo(describe_dead_letter(entry))
    click.echo(f"{len(entries)} dead letter(s)")


COMMANDS = (db_group, seed, run, worker, beat, dead_letters_command)
