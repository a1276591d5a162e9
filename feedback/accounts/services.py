"""Registry admin accounts: created by an operator on the command line, signed in on the web.

Passwords are hashed with Argon2id (argon2-cffi's defaults); a failed sign-in takes the same time
whether or not the e-mail exists, so the form does not reveal who has an account.
"""

from __future__ import annotations

import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actors import Actor
from core.db import utcnow
from core.errors import Conflict, NotAuthorized, ValidationError
from feedback.accounts.models import REGISTRY_ADMIN, VIEWER, Account
from feedback.accounts.policies import can_manage_accounts, can_manage_viewers

_HASHER = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 12


@cache
def dummy_hash() -> str:
    """What an unknown e-mail's password is checked against, so its sign-in costs a real verify.
    Made once, on first use (the web app makes it at start-up: `init_security`)."""
    return _HASHER.hash("not-a-real-password")


def create_account(
    session: Session, actor: Actor, email: str, password: str, role: str = REGISTRY_ADMIN
) -> Account:
    if not can_manage_accounts(actor):
        raise NotAuthorized("accounts are created by operators")
    account = _new_account(session, email, password, role)
    session.commit()
    return account


def create_viewer(session: Session, actor: Actor, email: str, password: str, scope: str) -> Account:
    """A dashboard account that sees `scope` (nation, province:IR-23, agency:ITO, unit:ITO/name) and below."""
    from feedback.dashboards.scopes import ACCOUNT_KINDS, parse_scope

    if not can_manage_viewers(actor):
        raise NotAuthorized("dashboard accounts are created by registry admins")
    parsed = parse_scope(scope, ACCOUNT_KINDS)
    account = _new_account(session, email, password, VIEWER)
    account.scope_kind, account.scope_value = parsed.kind, parsed.value
    session.commit()
    return account


def list_viewers(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).where(Account.role == VIEWER).order_by(Account.email)))


def _new_account(session: Session, email: str, password: str, role: str) -> Account:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise ValidationError("not an e-mail address", fields={"email": "not an e-mail address"})
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            f"the password needs at least {MIN_PASSWORD} characters",
            fields={"password": f"at least {MIN_PASSWORD} characters"},
        )
    if session.scalar(select(Account.id).where(Account.email == email)) is not None:
        raise Conflict(f"{email} already has an account")
    account = Account(email=email, password_hash=_HASHER.hash(password), role=role)
    session.add(account)
    session.flush()
    return account


def authenticate(session: Session, email: str, password: str) -> Account | None:
    """The account if the password matches (rehashing when parameters have changed), else None."""
    account = session.scalar(select(Account).where(Account.email == email.strip().lower()))
    try:
        _HASHER.verify(account.password_hash if account else dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None or not account.active:
        return None
    if _HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = _HASHER.hash(password)
    account.last_sign_in_at = utcnow()
    session.commit()
    return account


def get_active_account(session: Session, account_id: int) -> Account | None:
    account = session.get(Account, account_id)
    return account if account is not None and account.active else None
