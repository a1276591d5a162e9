"""`govcloud catalog import|export`: descriptor files from the command line (operators, automation)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from catalog.descriptors import (
    DescriptorError,
    export_agency,
    exportable_agencies,
    import_document,
    read_documents,
)
from catalog.queries import get_agency_by_code
from core.actors import SYSTEM, Actor
from core.db import session_scope
from core.errors import GovcloudError
from core.settings import load_settings
from onboarding.probes.descriptors import connect_to_descriptors
from portal.commands import session_factory
from workers.app import connect_catalog_to_compliance

DESCRIPTOR_SUFFIXES = (".yaml", ".yml")


@click.group("catalog")
def catalog_group() -> None:
    """E-service catalog descriptors (docs/descriptors.md)."""


def _sessions():
    settings = load_settings()
    connect_catalog_to_compliance(settings)  # imports ask compliance to recompute the agencies they change
    connect_to_descriptors()  # services' `probe:` in descriptors
    return session_factory(settings)


def _actor(session, email: str | None) -> Actor:
    if not email:
        return SYSTEM
    from portal.accounts.services import actor_for_email

    return actor_for_email(session, email)


def _descriptor_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DESCRIPTOR_SUFFIXES)
    return [path]


@catalog_group.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Print what would change and change nothing.")
@click.option("--as", "as_email", metavar="EMAIL", help="Import with this user's rights (default: system).")
def import_command(path: Path, dry_run: bool, as_email: str | None) -> None:
    """Import a descriptor file, or every .yaml/.yml file in a folder. Each file is applied whole or
    not at all; the exit status is 1 if any file had a problem."""
    factory = _sessions()
    failed = 0
    files = _descriptor_files(path)
    # the next files are read in a second process while this one writes
    for file, document in zip(files, read_documents(files), strict=True):
        with session_scope(factory) as session:
            try:
                actor = _actor(session, as_email)
                if isinstance(document, DescriptorError):
                    raise document
                report = import_document(session, actor, document, dry_run=dry_run, via="cli")
            except DescriptorError as exc:
                failed += 1
                click.echo(f"{file}: not imported, {len(exc.problems)} problem(s):", err=True)
                for problem in exc.problems:
                    click.echo(f"  {problem}", err=True)
                continue
            except GovcloudError as exc:
                failed += 1
                click.echo(f"{file}: not imported: {exc.message}", err=True)
                continue
        click.echo(report.summary() + (" (dry run: nothing written)" if dry_run else ""))
        if dry_run:
            for line in report.diff_lines():
                click.echo(f"  {line}")
        if not report.changed:
            click.echo("  no changes")
    if failed:
        sys.exit(1)


@catalog_group.command("export")
@click.option("--agency", "agency_code", metavar="CODE", help="Only this agency (default: every agency).")
@click.option("--as", "as_email", metavar="EMAIL", help="Export with this user's rights (default: system).")
@click.argument("out", type=click.Path(path_type=Path))
def export_command(agency_code: str | None, as_email: str | None, out: Path) -> None:
    """Write descriptors: OUT is a folder (one CODE.yaml per agency) or, with --agency, a .yaml file."""
    factory = _sessions()
    with session_scope(factory) as session:
        try:
            actor = _actor(session, as_email)
            agencies = (
                [get_agency_by_code(session, actor, agency_code)]
                if agency_code
                else exportable_agencies(session, actor)
            )
            written = []
            single_file = agency_code is not None and out.suffix.lower() in DESCRIPTOR_SUFFIXES
            if not single_file:
                out.mkdir(parents=True, exist_ok=True)
            for agency in agencies:
                target = out if single_file else out / f"{agency.code}.yaml"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(export_agency(session, actor, agency.id), encoding="utf-8")
                written.append(target)
        except GovcloudError as exc:
            raise click.ClickException(exc.message) from exc
    for target in written:
        click.echo(f"wrote {target}")
    click.echo(f"{len(written)} descriptor(s) exported")


COMMANDS = (catalog_group,)
