"""`govcloud migrate`: inventory import, runs started, watched, cancelled and resumed from a shell."""

from __future__ import annotations

import time
from pathlib import Path

import click
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Agency
from core import boundedyaml
from core.actors import SYSTEM
from core.db import session_scope, utcnow
from core.errors import GovcloudError
from core.settings import load_settings
from onboarding.backends import backend_from_settings
from onboarding.inventory.importer import import_inventory
from onboarding.inventory.models import Workload
from onboarding.inventory.queries import list_workloads
from onboarding.inventory.schemas import INVENTORY_YAML_BUDGET
from onboarding.runs import services as runs
from onboarding.runs.engine import advance_run, reconcile_runs
from onboarding.runs.models import ACTIVE_RUN_STATUSES
from portal.commands import fail, session_factory


@click.group("migrate")
def group() -> None:
    """Inventory and migration runs into the government cloud."""


@group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Import an agency's data centers and workloads from a YAML file (idempotent)."""
    with session_scope(session_factory()) as session:
        try:
            document = boundedyaml.safe_load(path.read_bytes(), INVENTORY_YAML_BUDGET)
            result = import_inventory(session, SYSTEM, document)
        except boundedyaml.YamlRefused as exc:
            raise click.ClickException(f"{path}:{exc.line}: {exc.reason}") from None
        except yaml.YAMLError as exc:
            raise click.ClickException(f"{path} is not valid YAML: {exc}") from None
        except GovcloudError as exc:
            raise fail(exc) from None
    click.echo(
        f"data centers: {result.data_centers_added} added; workloads: {result.workloads_added} added, "
        f"{result.workloads_updated} updated, {result.unchanged} unchanged"
    )


@group.command("list")
@click.option("--agency", "agency_code", help="Only this agency's workloads.")
def list_command(agency_code: str | None) -> None:
    """Workloads with their status and assessment."""
    with session_scope(session_factory()) as session:
        agency_id = (
            session.scalar(select(Agency.id).where(Agency.code == agency_code)) if agency_code else None
        )
        for w in list_workloads(session, SYSTEM, agency_id):
            strategy = w.assessment.strategy if w.assessment else "-"
            click.echo(f"{w.id}\t{w.agency.code}\t{w.name}\t{w.status}\t{strategy}")


@group.command("start")
@click.argument("agency_code")
@click.argument("workload_name")
@click.option("--cloud-plan", default="small", type=click.Choice(["small", "medium", "large"]))
@click.option("--wait", is_flag=True, help="Advance the run here and show its progress, instead of a worker.")
def start_command(agency_code: str, workload_name: str, cloud_plan: str, wait: bool) -> None:
    """Start moving a workload into its agency's tenant space."""
    settings = load_settings()
    with session_scope(session_factory(settings)) as session:
        workload_id = session.scalar(
            select(Workload.id).join(Agency).where(Agency.code == agency_code, Workload.name == workload_name)
        )
        if workload_id is None:
            raise click.ClickException(f"no workload {workload_name!r} in agency {agency_code!r}")
        try:
            run = runs.start_run(
                session, SYSTEM, workload_id, cloud_plan=cloud_plan, backend=settings.cloud_backend
            )
        except GovcloudError as exc:
            raise fail(exc) from None
        click.echo(f"run {run.id} created")
        if wait:
            _watch(session, run.id)
        else:
            from workers.app import create_celery
            from workers.celery_names import TaskNames

            create_celery(settings).send_task(TaskNames.ADVANCE_RUN, args=[run.id])
            click.echo("sent to the migrations queue")


def _watch(session: Session, run_id: int) -> None:
    backend = backend_from_settings(load_settings())
    with click.progressbar(length=100, label=f"run {run_id}") as bar:
        while True:
            run = advance_run(session, run_id, backend)
            bar.update(run.progress - bar.pos)
            if run.status not in ACTIVE_RUN_STATUSES:
                break
            wait = (run.next_attempt_at - utcnow()).total_seconds() if run.next_attempt_at else 1
            time.sleep(max(0.5, min(wait, 30)))
    session.expire_all()
    status = runs.run_status(runs.get_run(session, SYSTEM, run_id))
    for entry in status["log"]:
        click.echo(f"  {entry['step'] or '-':14} {entry['message']}")
    click.echo(f"run {run_id}: {status['status']}{' — ' + status['error'] if status['error'] else ''}")
    if status["status"] != "succeeded":
        raise SystemExit(1)


@group.command("status")
@click.argument("run_id", type=int)
def status_command(run_id: int) -> None:
    """A run's steps and log."""
    with session_scope(session_factory()) as session:
        try:
            status = runs.run_status(runs.get_run(session, SYSTEM, run_id))
        except GovcloudError as exc:
            raise fail(exc) from None
    click.echo(f"run {status['id']} ({status['workload']}): {status['status']}, {status['progress']}%")
    for step in status["steps"]:
        click.echo(f"  {step['name']:14} {step['status']:12} {step['message']}")
    if status["error"]:
        click.echo(f"error: {status['error']}")


@group.command("cancel")
@click.argument("run_id", type=int)
def cancel_command(run_id: int) -> None:
    """Cancel a run; a worker undoes what it made."""
    with session_scope(session_factory()) as session:
        try:
            runs.cancel_run(session, SYSTEM, run_id)
        except GovcloudError as exc:
            raise fail(exc) from None
    click.echo(f"run {run_id}: cancel requested")


@group.command("resume")
def resume_command() -> None:
    """Advance here every run no worker is holding (what the beat reconciler sends to workers)."""
    backend = backend_from_settings(load_settings())
    with session_scope(session_factory()) as session:
        for run_id in reconcile_runs(session):
            run = advance_run(session, run_id, backend)
            click.echo(f"run {run_id}: {run.status}")
