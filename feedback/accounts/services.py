"""Accounts: registry admins created by an operator on the command line (and place-scoped ones by a
national registry admin on the admin page), dashboard accounts; signed in on the web.

Passwords are hashed with Argon2id (argon2-cffi's defaults); a failed sign-in takes the same time
whether or not the e-mail exists, so the form does not reveal who has an account.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import passwords, signin
from core.actors import Actor
from core.db import utcnow
from core.errors import Conflict, NotAuthorized, NotFound, ValidationError
from feedback.accounts.models import REGISTRY_ADMIN, SIGN_IN_ATTEMPTS, VIEWER, Account
from feedback.accounts.policies import (
    COUNTY,
    REGISTRY_PLACE_KINDS,
    can_manage_accounts,
    can_manage_registry_accounts,
    can_manage_viewers,
)
from feedback.audit import record

_HASHER = PasswordHasher()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = passwords.MIN_LENGTH
_RESET_SALT = "feedback-password-reset"


@cache
def dummy_hash() -> str:
    """What an unknown e-mail's password is checked against, so its sign-in costs a real verify.
    Made once, on first use (the web app makes it at start-up: `init_security`)."""
    return _HASHER.hash("not-a-real-password")


def create_account(
    session: Session, actor: Actor, email: str, password: str, role: str = REGISTRY_ADMIN, place: str = ""
) -> Account:
    """An operator's account (`govcloud feedback create-admin`). `place` (`province:IR-23`,
    `county:2301`, `agency:ITO`): the part of the registry a registry account manages, and the
    missing-code reports filed there are its from the start; without one, the whole registry."""
    if not can_manage_accounts(actor):
        raise NotAuthorized("accounts are created by operators")
    where = parse_registry_place(session, place) if place.strip() else None
    account = _new_account(session, email, password, role)
    if where is not None:
        account.scope_kind, account.scope_value = where
    _audit_created(session, actor, account)
    session.commit()
    return account


def parse_registry_place(session: Session, text: str) -> tuple[str, str]:
    """A registry account's place, `province:IR-23`, `county:2301` or `agency:ITO`, checked as the
    dashboard scopes are (`parse_scope`); a county must be one the registry knows (reference or
    added locally). Errors name the field `place`."""
    from feedback.dashboards.scopes import parse_scope
    from feedback.registry.places import Places

    try:
        where = parse_scope(text, REGISTRY_PLACE_KINDS)
    except ValidationError as exc:
        raise ValidationError(exc.message, fields={"place": "bad_place"}) from None
    if where.kind == COUNTY and Places(session).county_name(where.value) == where.value:
        from core.reference import counties_by_code

        if where.value not in counties_by_code():
            raise ValidationError(f"no county with the code {where.value!r}", fields={"place": "bad_place"})
    return where.kind, where.value


def create_registry_account(
    session: Session,
    actor: Actor,
    email: str,
    password: str,
    place: str,
    *,
    temporary_days: int = passwords.TEMPORARY_PASSWORD_DAYS,
) -> Account:
    """A registry account scoped to a place, made by a national registry admin on the admin page:
    the password typed is a first password, changed at the first sign-in."""
    if not can_manage_registry_accounts(actor):
        raise NotAuthorized("registry accounts are created by national registry admins")
    if not place.strip():
        raise ValidationError("a registry account made here needs a place", fields={"place": "required"})
    where = parse_registry_place(session, place)
    account = _new_account(session, email, password, REGISTRY_ADMIN)
    account.scope_kind, account.scope_value = where
    _set_password(account, password, temporary=True, days=temporary_days)
    _audit_created(session, actor, account)
    session.commit()
    return account


def list_registry_accounts(session: Session) -> list[Account]:
    """Registry accounts scoped to a place (national ones are the operators' business)."""
    return list(
        session.scalars(
            select(Account)
            .where(Account.role == REGISTRY_ADMIN, Account.scope_kind.in_(REGISTRY_PLACE_KINDS))
            .order_by(Account.scope_kind, Account.scope_value, Account.email)
        )
    )


def set_registry_account_active(session: Session, actor: Actor, account_id: int, active: bool) -> Account:
    """National registry admins deactivate (and reactivate) place-scoped registry accounts."""
    if not can_manage_registry_accounts(actor):
        raise NotAuthorized("registry accounts are managed by national registry admins")
    account = session.get(Account, account_id)
    if account is None or account.role != REGISTRY_ADMIN or account.scope_kind not in REGISTRY_PLACE_KINDS:
        raise NotFound("no such registry account")
    return _set_active(session, actor, account, active)


def create_viewer(
    session: Session,
    actor: Actor,
    email: str,
    password: str,
    scope: str,
    *,
    temporary: bool = False,
    temporary_days: int = passwords.TEMPORARY_PASSWORD_DAYS,
) -> Account:
    """A dashboard account that sees `scope` (nation, province:IR-23, agency:ITO, unit:ITO/name) and
    below. `temporary`: a password the admin chose, to be changed at the first sign-in."""
    from feedback.dashboards.scopes import ACCOUNT_KINDS, parse_scope

    if not can_manage_viewers(actor):
        raise NotAuthorized("dashboard accounts are created by registry admins")
    parsed = parse_scope(scope, ACCOUNT_KINDS)
    account = _new_account(session, email, password, VIEWER)
    account.scope_kind, account.scope_value = parsed.kind, parsed.value
    if temporary:
        _set_password(account, password, temporary=True, days=temporary_days)
    _audit_created(session, actor, account)
    session.commit()
    return account


def list_viewers(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).where(Account.role == VIEWER).order_by(Account.email)))


def _new_account(session: Session, email: str, password: str, role: str) -> Account:
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise ValidationError("not an e-mail address", fields={"email": "not an e-mail address"})
    problem = passwords.password_problem(password)
    if problem:
        raise ValidationError(f"the password: {problem}", fields={"password": problem})
    if session.scalar(select(Account.id).where(Account.email == email)) is not None:
        raise Conflict(f"{email} already has an account")
    account = Account(email=email, password_hash=_HASHER.hash(password), role=role)
    session.add(account)
    session.flush()
    return account


def authenticate(session: Session, email: str, password: str, network: str = "") -> Account | None:
    """The account if the password matches (rehashing when parameters have changed), else None.

    At most `core.signin.MAX_ATTEMPTS` tries per e-mail and client network in a window, each claimed
    atomically before the password is checked; an unknown e-mail, a wrong password, an inactive
    account, an expired one-time password and too many tries all answer None, so the form says
    nothing about who has an account."""
    email = email.strip().lower()
    now = utcnow()
    allowed = signin.claim_attempt(session, SIGN_IN_ATTEMPTS, email, network, now)
    account = session.scalar(select(Account).where(Account.email == email)) if allowed else None
    try:
        _HASHER.verify(account.password_hash if account else dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        _refused(session, email, account, "sign_in_failed" if allowed else "sign_in_throttled", network)
        return None
    if account is None or not account.active:
        _refused(session, email, account, "sign_in_failed", network)
        return None
    expires = account.password_expires_at
    if account.must_change_password and expires is not None and _aware(expires) <= now:
        _refused(session, email, account, "sign_in_failed", network)
        return None
    if _HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = _HASHER.hash(password)
    signin.clear_attempts(session, SIGN_IN_ATTEMPTS, email, network)
    account.last_sign_in_at = now
    _audit_sign_in(session, email, account, "signed_in", network)
    session.commit()
    return account


def _audit_sign_in(session: Session, email: str, account: Account | None, action: str, network: str) -> None:
    """A sign-in in the trail, as the platform records its own: the e-mail typed and the network,
    never the password."""
    who = Actor(
        id=account.id if account else None, role=account.role if account else "anonymous", label=email[:200]
    )
    record(
        session,
        who,
        "sign_in",
        account.id if account else None,
        action,
        label=email,
        after={"network": network} if network else {},
        via="page",
    )


def _refused(session: Session, email: str, account: Account | None, action: str, network: str) -> None:
    _audit_sign_in(session, email, account, action, network)
    session.commit()


def change_password(session: Session, account_id: int, current: str, new: str) -> Account:
    """The signed-in account's own change; every other session of the account ends."""
    account = session.get(Account, account_id)
    if account is None or not account.active:
        raise NotAuthorized("no such account")
    current_is_right: bool
    try:
        current_is_right = _HASHER.verify(account.password_hash, current)
    except (VerificationError, InvalidHashError):
        current_is_right = False
    passwords.check_password_change(current_is_right, current, new)
    _set_password(account, new, temporary=False)
    who = Actor(id=account.id, role=account.role, label=account.email)
    record(session, who, "account", account.id, "password_changed", label=account.email)
    session.commit()
    return account


def reset_viewer_password(
    session: Session, actor: Actor, account_id: int, temporary_days: int = passwords.TEMPORARY_PASSWORD_DAYS
) -> tuple[Account, str]:
    """A registry admin's reset of a dashboard account: a one-time password (returned, shown once)
    changed at the next sign-in and void after `temporary_days`; its sessions end."""
    account = _viewer_for(session, actor, account_id)
    password = passwords.generate_password()
    _set_password(account, password, temporary=True, days=temporary_days)
    record(session, actor, "account", account.id, "password_reset", label=account.email)
    session.commit()
    return account, password


def password_reset_token(session: Session, secret_key: str, email: str) -> tuple[Account, str] | None:
    """A signed, one-time, hour-long reset link's token for an active account, or None (the page
    answers the same either way)."""
    account = session.scalar(select(Account).where(Account.email == email.strip().lower()))
    if account is None or not account.active:
        return None
    return account, passwords.reset_token(secret_key, _RESET_SALT, account.id, account.password_hash)


def reset_password_with_token(session: Session, secret_key: str, token: str, new: str) -> Account:
    """Set a new password from an e-mailed link (`core.passwords.account_for_reset` says when it may
    not). Every session of the account ends."""
    account = passwords.account_for_reset(
        secret_key, _RESET_SALT, token, new, lambda account_id: session.get(Account, account_id)
    )
    _set_password(account, new, temporary=False)
    who = Actor(id=account.id, role=account.role, label=account.email)
    record(session, who, "account", account.id, "password_reset_by_link", label=account.email)
    session.commit()
    return account


def set_viewer_active(session: Session, actor: Actor, account_id: int, active: bool) -> Account:
    """Registry admins deactivate (and reactivate) dashboard accounts; a deactivated one's sessions
    end at once."""
    account = _viewer_for(session, actor, account_id)
    return _set_active(session, actor, account, active)


def set_account_active(session: Session, actor: Actor, email: str, active: bool) -> Account:
    """Operators deactivate any account (`govcloud feedback deactivate-account`)."""
    if not can_manage_accounts(actor):
        raise NotAuthorized("accounts are managed by operators")
    account = session.scalar(select(Account).where(Account.email == email.strip().lower()))
    if account is None:
        raise NotFound("no such account", email=email)
    return _set_active(session, actor, account, active)


def set_bale_chat(session: Session, actor: Actor, email: str, chat_id: int | None) -> Account:
    """Operators connect an account to its holder's Bale chat with the bot (alerts are sent there
    too); None disconnects it. Bale chat ids are positive 64-bit integers."""
    if not can_manage_accounts(actor):
        raise NotAuthorized("accounts are managed by operators")
    if chat_id is not None and not 0 < chat_id < 2**63:
        raise ValidationError("a Bale chat id is a positive number", fields={"chat_id": "not a chat id"})
    account = session.scalar(select(Account).where(Account.email == email.strip().lower()))
    if account is None:
        raise NotFound("no such account", email=email)
    record(
        session,
        actor,
        "account",
        account.id,
        "bale_chat_set" if chat_id is not None else "bale_chat_removed",
        label=account.email,
        before={"bale_chat_id": account.bale_chat_id},
        after={"bale_chat_id": chat_id},
    )
    account.bale_chat_id = chat_id
    session.commit()
    return account


def end_sessions(session: Session, account_id: int) -> None:
    """Sign the account out everywhere (sign-out does this: a copied cookie stops working)."""
    account = session.get(Account, account_id)
    if account is not None:
        account.session_version += 1
        session.commit()


def _viewer_for(session: Session, actor: Actor, account_id: int) -> Account:
    if not can_manage_viewers(actor):
        raise NotAuthorized("dashboard accounts are managed by registry admins")
    account = session.get(Account, account_id)
    if account is None or account.role != VIEWER:
        raise NotFound("no such dashboard account")
    return account


def _audit_created(session: Session, actor: Actor, account: Account) -> None:
    session.flush()
    after = {"email": account.email, "role": account.role, "active": True}
    if account.scope_kind:
        after["scope"] = (
            f"{account.scope_kind}:{account.scope_value}" if account.scope_value else account.scope_kind
        )
    record(session, actor, "account", account.id, "created", label=account.email, after=after)


def _set_active(session: Session, actor: Actor, account: Account, active: bool) -> Account:
    if account.active != active:
        record(
            session,
            actor,
            "account",
            account.id,
            "activated" if active else "deactivated",
            label=account.email,
            before={"active": account.active},
            after={"active": active},
        )
    account.active = active
    if not active:
        account.session_version += 1
    session.commit()
    return account


def _set_password(
    account: Account, password: str, *, temporary: bool, days: int = passwords.TEMPORARY_PASSWORD_DAYS
) -> None:
    account.password_hash = _HASHER.hash(password)
    account.must_change_password = temporary
    account.password_expires_at = passwords.temporary_expiry(utcnow(), days) if temporary else None
    account.session_version = (account.session_version or 1) + 1


def _aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def get_active_account(session: Session, account_id: int) -> Account | None:
    account = session.get(Account, account_id)
    return account if account is not None and account.active else None
