"""Account use cases: sign-in with throttling, passwords, sessions, users, members of an agency,
personal API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import trail
from catalog.models import Agency
from catalog.tree import subtree_ids
from core import passwords as core_passwords
from core import signin
from core.actors import Actor, Role
from core.dates import utcnow
from core.errors import Conflict, NotAuthorized, NotFound, ValidationError
from portal.accounts import passwords
from portal.accounts.models import SIGN_IN_ATTEMPTS, ApiToken, User

TOKEN_PREFIX = "gc_"  # noqa: S105 - a marker, not a secret
AGENCY_ROLES = {Role.agency_admin, Role.agency_member}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
USER_AUDITED = ("email", "name", "role", "agency_id", "active")


def _audit_user(
    session: Session, actor: Actor, user: User, action: str, before: dict | None = None, via: str = ""
) -> None:
    """An account's change in the audit trail (never a password or its hash: only that it changed)."""
    trail.record(
        session,
        actor,
        "account",
        user.id,
        action,
        agency_id=user.agency_id,
        label=user.email,
        before=before if before is not None else trail.snapshot(user, USER_AUDITED),
        after=trail.snapshot(user, USER_AUDITED),
        via=via,
    )


def _audit_sign_in(session: Session, email: str, user: User | None, action: str, network: str) -> None:
    who = Actor(id=user.id if user else None, role=user.role if user else "anonymous", label=email[:200])
    trail.record(
        session,
        who,
        "sign_in",
        user.id if user else None,
        action,
        agency_id=user.agency_id if user else None,
        label=email[:300],
        after={"network": network} if network else {},
        via="page",
    )


class TemporaryPasswordExpired(NotAuthorized):
    """The right first (or reset) password, past its lifetime: an admin sets a new one."""

    code = "temporary_password_expired"


def agency_subtree(session: Session, agency_id: int) -> frozenset[int]:
    """The agency and every agency below it (provincial and county offices of an organization...), at
    any depth in one indexed query on the agencies' paths (catalog.tree), as every request's access
    check needs it."""
    return subtree_ids(session, agency_id)


def actor_for(session: Session, user: User) -> Actor:
    agencies = agency_subtree(session, user.agency_id) if user.agency_id is not None else frozenset()
    return Actor(id=user.id, role=user.role, agency_ids=agencies, label=user.email)


def _aware(value: dt.datetime) -> dt.datetime:
    """A time read back from SQLite (naive, in UTC) as PostgreSQL gives it (aware)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def authenticate(session: Session, email: str, password: str, network: str = "") -> User:
    """Check a password, at most `core.signin.MAX_ATTEMPTS` tries per e-mail and client network in
    a window. Every refusal (wrong password, no such account, inactive, too many tries) is the same
    NotAuthorized, so the answer never says whether the account exists or is throttled; only the
    right password of an expired first password learns that it expired."""
    email = email.strip().lower()
    now = utcnow()
    if not signin.claim_attempt(session, SIGN_IN_ATTEMPTS, email, network, now):
        passwords.verify_password(None, password)  # the same time as a real check
        _audit_sign_in(session, email, None, "sign_in_throttled", network)
        session.commit()
        raise NotAuthorized("wrong e-mail or password")
    user = session.scalar(select(User).where(User.email == email))
    if user is None or not user.active or not passwords.verify_password(user.password_hash, password):
        _audit_sign_in(session, email, user, "sign_in_failed", network)
        session.commit()
        raise NotAuthorized("wrong e-mail or password")
    if user.must_change_password and user.password_expires_at and _aware(user.password_expires_at) <= now:
        _audit_sign_in(session, email, user, "sign_in_failed", network)
        session.commit()
        raise TemporaryPasswordExpired("this one-time password has expired")
    signin.clear_attempts(session, SIGN_IN_ATTEMPTS, email, network)
    user.last_login_at = now
    _audit_sign_in(session, email, user, "signed_in", network)
    session.commit()
    return user


def change_password(session: Session, user_id: int, current: str, new: str) -> User:
    """The signed-in user's own change: the current password again, a new one within the rules.
    Every other session of the user ends (the session version moves on)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound("no such user")
    core_passwords.check_password_change(passwords.verify_password(user.password_hash, current), current, new)
    _set_password(user, new, temporary=False)
    _audit_user(session, actor_for(session, user), user, "password_changed")
    session.commit()
    return user


def reset_password(
    session: Session, actor: Actor, user_id: int, temporary_days: int = core_passwords.TEMPORARY_PASSWORD_DAYS
) -> tuple[User, str]:
    """An admin's reset: a generated one-time password (returned to be shown once) that must be
    changed at the next sign-in and expires after `temporary_days`; the user's sessions end at once."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    allowed = actor.is_platform_admin or (
        user.agency_id is not None and actor.can_manage_agency(user.agency_id)
    )
    if not allowed or user.id == actor.id:
        raise NotAuthorized("you may not reset this account's password")
    password = core_passwords.generate_password()
    _set_password(user, password, temporary=True, days=temporary_days)
    _audit_user(session, actor, user, "password_reset")
    session.commit()
    return user, password


_RESET_SALT = "portal-password-reset"


def password_reset_token(session: Session, secret_key: str, email: str) -> tuple[User, str] | None:
    """A signed, one-time, hour-long reset link's token for an active account, or None (the caller
    answers the same either way)."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        return None
    return user, core_passwords.reset_token(secret_key, _RESET_SALT, user.id, user.password_hash)


def reset_password_with_token(session: Session, secret_key: str, token: str, new: str) -> User:
    """Set a new password from an e-mailed link (`core.passwords.account_for_reset` says when it may
    not). Every session of the account ends."""
    user = core_passwords.account_for_reset(
        secret_key, _RESET_SALT, token, new, lambda user_id: session.get(User, user_id)
    )
    _set_password(user, new, temporary=False)
    _audit_user(session, actor_for(session, user), user, "password_reset_by_link")
    session.commit()
    return user


def end_sessions(session: Session, user_id: int) -> None:
    """Sign the user out everywhere: every session cookie issued so far stops counting."""
    user = session.get(User, user_id)
    if user is not None:
        user.session_version += 1
        session.commit()


def _set_password(
    user: User, password: str, *, temporary: bool, days: int = core_passwords.TEMPORARY_PASSWORD_DAYS
) -> None:
    user.password_hash = passwords.hash_password(password)
    user.must_change_password = temporary
    user.password_expires_at = core_passwords.temporary_expiry(utcnow(), days) if temporary else None
    user.session_version = (user.session_version or 1) + 1


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def _validate_user(session: Session, email: str, role: Role, agency_id: int | None, password: str) -> None:
    fields = {}
    if not EMAIL_RE.match(email):
        fields["email"] = "not a valid e-mail address"
    elif session.scalar(select(User.id).where(User.email == email)) is not None:
        fields["email"] = "an account with this e-mail already exists"
    if role in AGENCY_ROLES and agency_id is None:
        fields["agency"] = "agency roles need an agency"
    if role not in AGENCY_ROLES and agency_id is not None:
        fields["agency"] = "only agency roles belong to an agency"
    if agency_id is not None and session.get(Agency, agency_id) is None:
        fields["agency"] = "no such agency"
    problem = core_passwords.password_problem(password)
    if problem:
        fields["password"] = problem
    if role == Role.system:
        fields["role"] = "the system role is not for people"
    if fields:
        raise ValidationError("invalid account", fields=fields)


def can_create_user(actor: Actor, role: Role, agency_id: int | None) -> bool:
    if actor.is_platform_admin:
        return True
    return role in AGENCY_ROLES and agency_id is not None and actor.can_manage_agency(agency_id)


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    role: Role,
    agency_id: int | None,
    password: str,
    temporary: bool = False,
    temporary_days: int = core_passwords.TEMPORARY_PASSWORD_DAYS,
) -> User:
    """A new account. `temporary`: the password was chosen by someone else (an admin, a generated
    one), so it must be changed at the first sign-in and expires unused after `temporary_days`."""
    email = email.strip().lower()
    if not can_create_user(actor, role, agency_id):
        raise NotAuthorized("you may not create this account")
    _validate_user(session, email, role, agency_id, password)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        agency_id=agency_id,
    )
    _set_password(user, password, temporary=temporary, days=temporary_days)
    session.add(user)
    session.flush()
    _audit_user(session, actor, user, "created", before={})
    session.commit()
    return user


def list_members(session: Session, actor: Actor, agency_id: int) -> list[User]:
    if not actor.can_read_agency(agency_id):
        raise NotAuthorized("not your agency")
    return list(session.scalars(select(User).where(User.agency_id == agency_id).order_by(User.email)))


def set_user_active(session: Session, actor: Actor, user_id: int, active: bool) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    allowed = actor.is_platform_admin or (
        user.agency_id is not None and actor.can_manage_agency(user.agency_id)
    )
    if not allowed or user.id == actor.id:
        raise NotAuthorized("you may not change this account")
    if user.active == active:
        return user
    before = trail.snapshot(user, USER_AUDITED)
    user.active = active
    if not active:
        user.session_version = (user.session_version or 1) + 1  # signed out everywhere at once
        for token in user.tokens:
            token.revoked_at = token.revoked_at or utcnow()
    _audit_user(session, actor, user, "activated" if active else "deactivated", before)
    session.commit()
    return user


# --- API tokens ---------------------------------------------------------------------------------


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _token_owner(session: Session, actor: Actor, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("no such user")
    if actor.id != user.id and not actor.is_platform_admin:
        raise NotAuthorized("tokens are personal")
    return user


def _audit_token(session: Session, actor: Actor, user: User, token: ApiToken, action: str) -> None:
    """A token's issue or revocation (its label and prefix; never the token or its digest)."""
    trail.record(
        session,
        actor,
        "token",
        token.id,
        action,
        agency_id=user.agency_id,
        label=f"{user.email}: {token.label}",
        after={"owner": user.email, "label": token.label, "prefix": token.prefix},
        via="",
    )


def issue_token(session: Session, actor: Actor, user_id: int, label: str) -> tuple[ApiToken, str]:
    """Returns the row and the plaintext; the plaintext is shown once and never stored."""
    label = label.strip()
    if not label or len(label) > 100:
        raise ValidationError("invalid token", fields={"label": "a name of 1 to 100 characters"})
    user = _token_owner(session, actor, user_id)
    if not user.active:
        raise Conflict("inactive accounts get no tokens")
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, label=label, prefix=plaintext[:10], digest=_digest(plaintext))
    session.add(token)
    session.flush()
    _audit_token(session, actor, user, token, "issued")
    session.commit()
    return token, plaintext


def list_tokens(session: Session, actor: Actor, user_id: int) -> list[ApiToken]:
    _token_owner(session, actor, user_id)
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc()))
    )


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("no such token")
    _token_owner(session, actor, token.user_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        _audit_token(session, actor, token.user, token, "revoked")
    session.commit()
    return token


def user_for_token(session: Session, plaintext: str) -> User | None:
    """The active user behind an active token, or None. Records when the token was last used."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.digest == _digest(plaintext)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - _aware(token.last_used_at) > dt.timedelta(minutes=1):
        token.last_used_at = now
        session.commit()
    return token.user


def actor_for_email(session: Session, email: str) -> Actor:
    """The actor of an active account, for operators' commands run `--as EMAIL`."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        raise NotFound("no active account with this e-mail", email=email)
    return actor_for(session, user)
