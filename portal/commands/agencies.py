"""`govcloud agencies`: the agency tree from the command line (operators, automation). Each command
calls one catalog service with the system's rights (or `--as EMAIL`'s) and records `via=cli` in the
audit trail. Agencies are named by code."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.orm import Session

from catalog import queries, services
from catalog.models import Agency, AgencyKind
from core.actors import SYSTEM, Actor
from core.db import session_scope
from core.errors import GovcloudError, NotFound
from portal.commands import fail, session_factory


@click.group("agencies")
def group() -> None:
    """Add, edit, move, deactivate and list agencies."""


def _actor(session: Session, email: str | None) -> Actor:
    if not email:
        return SYSTEM
    from portal.accounts.services import actor_for_email

    return actor_for_email(session, email)


def _agency(session: Session, actor: Actor, code: str, hint: str = "CODE") -> Agency:
    try:
        return queries.get_agency_by_code(session, actor, code.upper())
    except NotFound:
        raise click.BadParameter(f"no agency with code {code!r}", param_hint=hint) from None


def _fields(**options: Any) -> dict[str, Any]:
    return {key: value for key, value in options.items() if value is not None}


def _line(agency: Agency) -> str:
    parent = agency.parent.code if agency.parent else "-"
    state = "active" if agency.active else "deactivated"
    return f"{agency.code}\t{agency.kind.value}\tunder {parent}\t{state}\t{agency.name_fa}"


AS_OPTION = click.option(
    "--as", "as_email", metavar="EMAIL", help="Act with this user's rights (default: system)."
)


def _loaded_checks() -> None:
    # onboarding registers its own reason an agency is in use (runs under way) on import
    import onboarding.runs.services  # noqa: F401


@group.command("add")
@click.argument("code")
@click.option("--name-fa", required=True, help="Persian name.")
@click.option("--name-en", default="", help="English name.")
@click.option("--kind", type=click.Choice([k.value for k in AgencyKind]), required=True)
@click.option("--parent", "parent_code", help="Parent agency's code (none: a top-level agency).")
@click.option("--province", "province_code", help="Province code (offices).")
@click.option("--county", "county_code", help="County code or name (county offices).")
@AS_OPTION
def add(
    code: str,
    name_fa: str,
    name_en: str,
    kind: str,
    parent_code: str | None,
    province_code,
    county_code,
    as_email,
) -> None:
    """Add an agency."""
    with session_scope(session_factory()) as session:
        actor = _actor(session, as_email)
        parent = _agency(session, actor, parent_code, "--parent") if parent_code else None
        data = _fields(
            code=code,
            name_fa=name_fa,
            name_en=name_en,
            kind=kind,
            province_code=province_code,
            county_code=county_code,
        )
        try:
            agency = services.create_agency(session, actor, parent.id if parent else None, data, via="cli")
        except GovcloudError as exc:
            raise fail(exc) from None
        click.echo(f"added {_line(agency)}")


@group.command("edit")
@click.argument("code")
@click.option("--code", "new_code", help="A new code.")
@click.option("--name-fa")
@click.option("--name-en")
@click.option("--kind", type=click.Choice([k.value for k in AgencyKind]))
@click.option("--province", "province_code")
@click.option("--county", "county_code")
@AS_OPTION
def edit(code: str, new_code, name_fa, name_en, kind, province_code, county_code, as_email) -> None:
    """Change some fields of an agency."""
    with session_scope(session_factory()) as session:
        actor = _actor(session, as_email)
        agency = _agency(session, actor, code)
        data = _fields(
            code=new_code,
            name_fa=name_fa,
            name_en=name_en,
            kind=kind,
            province_code=province_code,
            county_code=county_code,
        )
        try:
            agency = services.update_agency(session, actor, agency.id, data, expected_version=None, via="cli")
        except GovcloudError as exc:
            raise fail(exc) from None
        click.echo(f"saved {_line(agency)}")


@group.command("move")
@click.argument("code")
@click.option("--under", "parent_code", help="The new parent's code.")
@click.option("--top", is_flag=True, help="Make it a top-level agency.")
@AS_OPTION
def move(code: str, parent_code: str | None, top: bool, as_email: str | None) -> None:
    """Move an agency, with its sub-agencies, under another parent (or to the top level)."""
    if bool(parent_code) == top:
        raise click.UsageError("give exactly one of --under CODE and --top")
    with session_scope(session_factory()) as session:
        actor = _actor(session, as_email)
        agency = _agency(session, actor, code)
        parent = _agency(session, actor, parent_code, "--under") if parent_code else None
        try:
            agency = services.move_agency(
                session, actor, agency.id, parent.id if parent else None, expected_version=None, via="cli"
            )
        except GovcloudError as exc:
            raise fail(exc) from None
        click.echo(f"moved {_line(agency)}")


def _set_active(code: str, active: bool, as_email: str | None) -> None:
    _loaded_checks()
    with session_scope(session_factory()) as session:
        actor = _actor(session, as_email)
        agency = _agency(session, actor, code)
        try:
            agency = services.set_agency_active(
                session, actor, agency.id, active, expected_version=None, via="cli"
            )
        except GovcloudError as exc:
            raise fail(exc) from None
        click.echo(f"{'activated' if active else 'deactivated'} {_line(agency)}")


@group.command("deactivate")
@click.argument("code")
@AS_OPTION
def deactivate(code: str, as_email: str | None) -> None:
    """Deactivate an agency (refused, with the reason, while it is in use)."""
    _set_active(code, False, as_email)


@group.command("activate")
@click.argument("code")
@AS_OPTION
def activate(code: str, as_email: str | None) -> None:
    """Reactivate an agency."""
    _set_active(code, True, as_email)


@group.command("list")
@click.option("--under", "parent_code", help="Only this agency's direct sub-agencies.")
def list_command(parent_code: str | None) -> None:
    """Agencies, one a line: code, kind, parent, state, Persian name."""
    with session_scope(session_factory()) as session:
        if parent_code:
            parent = _agency(session, SYSTEM, parent_code, "--under")
            agencies = queries.list_sub_agencies(session, SYSTEM, parent.id)
        else:
            agencies = queries.list_agencies(session, SYSTEM)
        for agency in agencies:
            click.echo(_line(agency))
