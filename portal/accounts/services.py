"""Account use cases: sign-in with lockout, users, members of an agency, personal API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Agency
from core.actors import Actor, Role
from core.dates import utcnow
from core.errors import Conflict, NotAuthorized, NotFound, ValidationError
from portal.accounts import passwords
from portal.accounts.models import ApiToken, User

MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
TOKEN_PREFIX = "gc_"  # noqa: S105 - a marker, not a secret
AGENCY_ROLES = {Role.agency_admin, Role.agency_member}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountLocked(NotAuthorized):
    code = "account_locked"


def agency_subtree(session: Session, agency_id: int) -> frozenset[int]:
    """The agency and every agency below it (provincial and county offices of an organization...)."""
    tree = select(Agency.id).where(Agency.id == agency_id).cte("tree", recursive=True)
    tree = tree.union_all(select(Agency.id).where(Agency.parent_id == tree.c.id))
    return frozenset(session.scalars(select(tree.c.id)))


def actor_for(session: Session, user: User) -> Actor:
    agencies = agency_subtree(session, user.agency_id) if user.agency_id is not None else frozenset()
    return Actor(id=user.id, role=user.role, agency_ids=agencies, label=user.email)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def authenticate(session: Session, email: str, password: str) -> User:
    """Check a password; five failures in a row lock the account for fifteen minutes.

    The error does not say whether the e-mail exists: the same message either way.
    """
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    now = utcnow()
    if user is not None and _aware(user.locked_until) and _aware(user.locked_until) > now:
        passwords.verify_password(None, password)
        raise AccountLocked("account temporarily locked", until=_aware(user.locked_until))
    if user is None or not user.active or not passwords.verify_password(user.password_hash, password):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + LOCKOUT
                user.failed_logins = 0
            session.commit()
        raise NotAuthorized("wrong e-mail or password")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    session.commit()
    return user


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
    if len(password) < passwords.MIN_LENGTH:
        fields["password"] = f"at least {passwords.MIN_LENGTH} characters"
    if role == Role.system:
        fields["role"] = "the system role is not for people"
    if fields:
        raise ValidationError("invalid account", fields=fields)


def can_create_user(actor: Actor, role: Role, agency_id: int | None) -> bool:
    if actor.is_platform_admin:
        return True
    return role in AGENCY_ROLES and agency_id is not None and actor.can_manage_agency(agency_id)


def create_user(
    session: Session, actor: Actor, *, email: str, name: str, role: Role, agency_id: int | None, password: str
) -> User:
    email = email.strip().lower()
    if not can_create_user(actor, role, agency_id):
        raise NotAuthorized("you may not create this account")
    _validate_user(session, email, role, agency_id, password)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        agency_id=agency_id,
        password_hash=passwords.hash_password(password),
    )
    session.add(user)
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
    user.active = active
    if not active:
        for token in user.tokens:
            token.revoked_at = token.revoked_at or utcnow()
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
    token.revoked_at = token.revoked_at or utcnow()
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
