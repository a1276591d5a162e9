"""`govcloud feedback …`: the registry from the command line (operators and registry admins).

Each command parses, calls one service with the system actor, and prints; long work shows a
progress bar. Attached to `govcloud` by portal/commands, but depends only on core and feedback.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.orm import Session

from core.actors import SYSTEM
from core.db import make_engine, make_sessionmaker, session_scope
from core.errors import GovcloudError, ValidationError
from core.settings import Settings, load_settings
from core.taskqueue import run_worker


def _settings() -> Settings:
    settings = load_settings()
    settings.var_path.mkdir(parents=True, exist_ok=True)
    return settings


@contextmanager
def _session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.feedback_database_url)
    try:
        with session_scope(make_sessionmaker(engine)) as session:
            yield session
    except ValidationError as exc:
        for field, problem in exc.fields.items():
            click.echo(f"  {field}: {problem}", err=True)
        raise click.ClickException(exc.message) from None
    except GovcloudError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        engine.dispose()


@click.group("feedback")
def group() -> None:
    """The employee-feedback service: registry, codes, print batches, its worker."""


@group.command("import-employees")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--rejects",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write rejected rows (default: FILE-rejects.csv beside the file).",
)
def import_employees_command(file: Path, rejects: Path | None) -> None:
    """Import employees from a CSV (UTF-8) or Excel file; safe to run again with the same file."""
    from feedback.registry.importer import import_employees

    settings = _settings()
    rejects = rejects or file.with_name(file.stem + "-rejects.csv")
    with _session(settings) as session, click.progressbar(length=1000, label="importing") as bar:
        state = {"shown": 0}

        def progress(_rows: int, fraction: float) -> None:
            target = round(fraction * 1000)
            bar.update(target - state["shown"])
            state["shown"] = target

        summary = import_employees(session, SYSTEM, file, rejects, progress=progress)
    click.echo(summary.line())
    if summary.rejected:
        click.echo(f"rejected rows (line and reason): {rejects}")
    else:
        rejects.unlink(missing_ok=True)


@group.command("print")
@click.option("--agency", "agency_code", default="", help="Agency code (executive_agencies.csv).")
@click.option("--unit", default="", help="Only this unit (exact name).")
@click.option("--province", default="", help="Only this province (Persian or English name).")
@click.option(
    "--employees",
    "employees_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file listing employment codes, one a line.",
)
@click.option("--per-page", type=click.Choice(["1", "2"]), default="1", show_default=True)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="FILE.pdf (one PDF) or FILE.zip (one PDF per unit; for large batches).",
)
def print_command(
    agency_code: str, unit: str, province: str, employees_file: Path | None, per_page: str, out: Path
) -> None:
    """Print A5 desk sheets (QR and short code) for a batch of employees."""
    from feedback.printing.services import Selection, print_batch

    settings = _settings()
    codes: tuple[str, ...] = ()
    if employees_file:
        codes = tuple(
            line.strip()
            for line in employees_file.read_text(encoding="utf-8-sig").splitlines()
            if line.strip()
        )
    selection = Selection(agency_code=agency_code, unit=unit, province=province, employment_codes=codes)
    with _session(settings) as session, click.progressbar(length=1, label="printing") as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        summary = print_batch(
            session,
            SYSTEM,
            selection,
            out,
            base_url=settings.feedback_base_url,
            per_page=int(per_page),
            progress=progress,
        )
    click.echo(summary.line())


@group.command("create-admin")
@click.argument("email")
@click.option(
    "--place",
    default="",
    help=(
        "province:IR-23 | county:<code> | agency:<code>: the account sees and manages only the "
        "registry's employees there, and missing-code reports filed there are given to it "
        "(without --place: the whole registry)."
    ),
)
@click.password_option(help="At least 12 characters (prompted for when not given).")
def create_admin(email: str, place: str, password: str) -> None:
    """Create a registry admin account for the feedback app (national, or scoped to a place)."""
    from feedback.accounts.services import create_account

    with _session(_settings()) as session:
        account = create_account(session, SYSTEM, email, password, place=place)
        where = f" for {account.scope_kind}:{account.scope_value}" if account.scope_kind else ""
    click.echo(f"registry admin {account.email} created{where}")


@group.command("create-viewer")
@click.argument("email")
@click.option("--scope", required=True, help="nation | province:IR-23 | agency:ITO | unit:ITO/<unit name>")
@click.password_option(help="At least 12 characters (prompted for when not given).")
def create_viewer_command(email: str, scope: str, password: str) -> None:
    """Create a dashboard account that sees SCOPE and everything below it."""
    from feedback.accounts.services import create_viewer

    with _session(_settings()) as session:
        account = create_viewer(session, SYSTEM, email, password, scope)
    click.echo(f"dashboard viewer {account.email} created for {account.scope_kind}:{account.scope_value}")


@group.command("set-bale-chat")
@click.argument("email")
@click.argument("chat_id", type=int, required=False)
def set_bale_chat_command(email: str, chat_id: int | None) -> None:
    """Send EMAIL's alerts to the Bale chat CHAT_ID as well as by e-mail (no CHAT_ID: e-mail only)."""
    from feedback.accounts.services import set_bale_chat

    with _session(_settings()) as session:
        account = set_bale_chat(session, SYSTEM, email, chat_id)
    click.echo(f"{account.email}: alerts to Bale chat {account.bale_chat_id or 'none'}")


@group.command("deactivate-account")
@click.argument("email")
def deactivate_account(email: str) -> None:
    """Deactivate a feedback account (registry admin or dashboard viewer): its sessions end at once."""
    from feedback.accounts.services import set_account_active

    with _session(_settings()) as session:
        account = set_account_active(session, SYSTEM, email, False)
    click.echo(f"{account.email} deactivated")


@group.command("add-county")
@click.option("--province", required=True, help="Province (Persian or English name).")
@click.option("--en", "name_en", default="", help="English name of the county.")
@click.argument("name")
def add_county_command(province: str, name_en: str, name: str) -> None:
    """Add a county newer than the reference list, so imports accept it."""
    from feedback.registry.services import add_county

    with _session(_settings()) as session:
        county = add_county(session, SYSTEM, province, name, name_en)
    click.echo(f"county {county.name_fa} added to {county.province_code} as {county.code}")


def _set_active(employment_code: str, active: bool) -> None:
    from feedback.registry.queries import get_employee_by_code
    from feedback.registry.services import set_employee_active

    with _session(_settings()) as session:
        employee = get_employee_by_code(session, employment_code)
        set_employee_active(session, SYSTEM, employee.id, active)
    click.echo(f"employee {employment_code} {'reactivated' if active else 'deactivated'}")


@group.command("deactivate")
@click.argument("employment_code")
def deactivate(employment_code: str) -> None:
    """The employee left the desk: the code shows "no longer at this desk" and takes no responses."""
    _set_active(employment_code, False)


@group.command("activate")
@click.argument("employment_code")
def activate(employment_code: str) -> None:
    """Undo a deactivation: the same code works again."""
    _set_active(employment_code, True)


@group.command("reissue")
@click.argument("employment_code")
def reissue(employment_code: str) -> None:
    """A new code for a lost or leaked sheet; the old one then says "this code was replaced"."""
    from feedback.codes.services import reissue_code
    from feedback.registry.queries import get_employee_by_code

    with _session(_settings()) as session:
        employee = get_employee_by_code(session, employment_code)
        reissue_code(session, SYSTEM, employee.id)
    click.echo(f"a new code was issued for {employment_code}; print its sheet again")


@group.command("rebuild-rollups")
def rebuild_rollups_command() -> None:
    """Recompute every survey rollup from the raw responses (after a restore or a rule change)."""
    from feedback.rollups.services import rebuild_rollups

    with _session(_settings()) as session:
        written = rebuild_rollups(session, SYSTEM)
    click.echo(f"rollups rebuilt: {written} rows")


@group.command("worker")
@click.option("--queues", "-Q", default="", help="Comma-separated queues, e.g. feedback-bulk (default: all).")
@click.option("--concurrency", "-c", default=2, show_default=True)
@click.option(
    "--beat", is_flag=True, help="Run the feedback beat schedule inside this worker (embedded mode)."
)
def worker(queues: str, concurrency: int, beat: bool) -> None:
    """Run the feedback service's Celery worker: the fast queue (folds, alerts, Bale), the bulk
    queue (imports, print runs), or both (the default, as under `govcloud run`)."""
    from feedback.worker import create_celery

    settings = load_settings()
    name = f"feedback-{queues.replace(',', '-') or 'all'}@%h"
    run_worker(create_celery(settings), settings, queues, concurrency, beat, name)
    sys.exit(0)


@group.command("dead-letters")
@click.option("--limit", default=100, show_default=True)
def dead_letters_command(limit: int) -> None:
    """List the feedback service's dead letters (an import that killed its worker on every
    delivery, say), newest first."""
    from core.taskqueue import dead_letters, describe_dead_letter
    from feedback.worker import create_celery

    entries = dead_letters(create_celery(load_settings()), limit)
    for entry in entries:
        click.echo(describe_dead_letter(entry))
    click.echo(f"{len(entries)} dead letter(s)")


@group.command("beat")
def beat_command() -> None:
    """Run the feedback service's beat scheduler (exactly one per deployment): the rollup fold every
    two seconds, alert evaluation, the Bale outbox sweep and purge."""
    from feedback.worker import create_celery

    settings = load_settings()
    create_celery(settings).start(["beat", f"--loglevel={settings.log_level.upper()}"])
