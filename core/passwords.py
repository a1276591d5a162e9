"""The password rules both apps hold (OWASP ASVS level 2, V2.1): at least 12 characters, at most
128, any character allowed, and not one of the passwords most common in breaches.

The list (`core/reference/common_passwords.txt.gz`, see SOURCES.md) ships with the code, so the
check needs no network: government networks are often closed.
"""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from itsdangerous import BadSignature, URLSafeTimedSerializer

MIN_LENGTH = 12
MAX_LENGTH = 128
TEMPORARY_PASSWORD_DAYS = 3  # GOVCLOUD_TEMPORARY_PASSWORD_DAYS's default, for callers without settings
_LIST = Path(__file__).resolve().parent / "reference" / "common_passwords.txt.gz"
_TAIL = re.compile(r"[\d\W_]+$")


@functools.cache
def common_passwords() -> frozenset[str]:
    with gzip.open(_LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def is_common(password: str) -> bool:
    """On the list, or a listed word with only digits and symbols after it (`iloveyou2024!`)."""
    lowered = password.strip().lower()
    common = common_passwords()
    return lowered in common or _TAIL.sub("", lowered) in common or len(set(lowered)) <= 2


def password_problem(password: str) -> str | None:
    """Why this password may not be set (an English sentence the web layer translates), or None."""
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"at most {MAX_LENGTH} characters"
    if is_common(password):
        return "too common: it is on the list of passwords most used in breaches"
    return None


def generate_password() -> str:
    """A first or reset password an admin hands over: 16 URL-safe characters (96 bits)."""
    return secrets.token_urlsafe(12)


def check_password_change(current_is_right: bool, current: str, new: str) -> None:
    """The rules of a user's own change, the same in both apps: the current password again, a new one
    within the rules and not the same as before. Every problem at once, by field."""
    from core.errors import ValidationError

    fields = {}
    if not current_is_right:
        fields["current_password"] = "not your current password"  # noqa: S105 - a field name
    problem = password_problem(new)
    if problem:
        fields["new_password"] = problem
    elif new == current:
        fields["new_password"] = "the same as the current password"  # noqa: S105 - a field name
    if fields:
        raise ValidationError("password not changed", fields=fields)


RESET_LINK_SECONDS = 3600


def _fingerprint(password_hash: str) -> str:
    """Part of a reset token: once the password changes (the link used, or any other change) every
    earlier link of the account stops working, so a link works once without a table of used ones."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def reset_token(secret_key: str, salt: str, account_id: int, password_hash: str) -> str:
    """An e-mailed reset link's token: signed (nothing stored to leak), hour-long, single-use. Each app
    passes its own salt, so one app's link never opens the other's account of the same id."""
    return URLSafeTimedSerializer(secret_key, salt=salt).dumps([account_id, _fingerprint(password_hash)])


def _reset_token_account(secret_key: str, salt: str, token: str) -> tuple[int, str] | None:
    try:
        account_id, fingerprint = URLSafeTimedSerializer(secret_key, salt=salt).loads(
            token, max_age=RESET_LINK_SECONDS
        )
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(account_id, int) or not isinstance(fingerprint, str):
        return None
    return account_id, fingerprint


class ResettableAccount(Protocol):
    active: bool
    password_hash: str


R = TypeVar("R", bound=ResettableAccount)


def account_for_reset(secret_key: str, salt: str, token: str, new: str, load: Callable[[int], R | None]) -> R:
    """The account an e-mailed link resets, once the link and the new password pass: NotAuthorized
    for a forged, expired or used link (or an account gone or inactive since), ValidationError for a
    password outside the rules. `load(id)` is the app's lookup; the caller sets the password."""
    from core.errors import NotAuthorized, ValidationError

    found = _reset_token_account(secret_key, salt, token)
    account = load(found[0]) if found else None
    if (
        found is None
        or account is None
        or not account.active
        or not hmac.compare_digest(found[1], _fingerprint(account.password_hash))
    ):
        raise NotAuthorized("this reset link is not valid any more")
    problem = password_problem(new)
    if problem:
        raise ValidationError("password not changed", fields={"new_password": problem})
    return account


def temporary_expiry(now: dt.datetime, days: int) -> dt.datetime:
    """When a password someone else set stops working (GOVCLOUD_TEMPORARY_PASSWORD_DAYS)."""
    return now + dt.timedelta(days=days)
