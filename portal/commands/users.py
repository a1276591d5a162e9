"""`govcloud users`: accounts for operators and automation."""

from __future__ import annotations

import click
from sqlalchemy import select

from catalog.models import Agency
from core.actors import SYSTEM, Role
from core.db import session_scope
from core.errors import GovcloudError
from core.settings import load_settings
from portal.accounts import passwords
from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.commands import fail, session_factory


@click.group("users")
def group() -> None:
    """Create accounts and issue API tokens."""


@group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role if r != Role.system]), required=True)
@click.option("--agency", "agency_code", help="Agency code (required for agency roles).")
@click.option("--name", default="", help="Display name.")
@click.option("--password", help="Password; asked for when omitted. Use --generate for a random one.")
@click.option("--generate", is_flag=True, help="Generate a random password and print it once.")
def create(
    email: str, role: str, agency_code: str | None, name: str, password: str | None, generate: bool
) -> None:
    """Create an account (as the operator, with the system's rights)."""
    if generate:
        password = passwords.generate_password()
    elif password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    settings = load_settings()
    with session_scope(session_factory(settings)) as session:
        agency_id = None
        if agency_code:
            agency_id = session.scalar(select(Agency.id).where(Agency.code == agency_code))
            if agency_id is None:
                raise click.BadParameter(f"no agency with code {agency_code!r}", param_hint="--agency")
        try:
            user = accounts.create_user(
                session,
                SYSTEM,
                email=email,
                name=name,
                role=Role(role),
                agency_id=agency_id,
                password=password,
                temporary=generate,
                temporary_days=settings.temporary_password_days,
            )
        except GovcloudError as exc:
            raise fail(exc) from None
        click.echo(f"created {user.email} ({user.role})")
        if generate:
            click.echo(f"password (shown once): {password}")


@group.command("token")
@click.argument("email")
@click.option("--label", default="cli", show_default=True, help="A name to recognise the token by.")
def token(email: str, label: str) -> None:
    """Issue a new API token for EMAIL and print it once."""
    with session_scope(session_factory()) as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"no account {email}")
        _row, plaintext = accounts.issue_token(session, SYSTEM, user.id, label)
        click.echo(plaintext)
