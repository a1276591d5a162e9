"""Integrity without friction: the signed form token, the hashed device and address, and the rules
that flag bursts. Nothing here asks the citizen for anything."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hmac
import html
import re
import secrets
import time
import uuid

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import ScalarSelect, bindparam, func, select

from core.dates import TEHRAN, tehran_day, utcnow
from feedback.survey.models import COMMENT_MAX, Response

TOKEN_MAX_AGE = 24 * 3600  # long enough for a browser to resend after an outage, short enough to expire
# A form is valid on the Tehran day it was opened, and this long past that day's midnight (a form
# opened late in the evening can still be sent, or resent by the page's script after a short outage).
TOKEN_DAY_GRACE = dt.timedelta(hours=1)
_SALT = "feedback-survey-form"

# Flag rules: (name, window, threshold). Kept and shown to admins, never counted.
EMPLOYEE_IP_BURST = "employee_ip_burst"  # many answers for one employee from one address
DEVICE_MANY_EMPLOYEES = "device_many_employees"  # one device rating many employees
# Sent while the rate limits' store (Redis) was down: kept for review rather than refused or lost.
LIMITS_UNAVAILABLE = "limits_unavailable"
EMPLOYEE_IP_WINDOW = dt.timedelta(minutes=10)
EMPLOYEE_IP_THRESHOLD = 5
DEVICE_WINDOW = dt.timedelta(minutes=30)
DEVICE_THRESHOLD = 6
RULE_TITLES = {
    EMPLOYEE_IP_BURST: "Many responses for one employee from one address within minutes",
    DEVICE_MANY_EMPLOYEES: "One device answered for many employees within a short time",
    LIMITS_UNAVAILABLE: "Sent while the rate limits could not be checked (their store was down)",
}


class TokenError(Exception):
    """The form token is forged, expired, or belongs to another device or desk."""


@dataclasses.dataclass(frozen=True)
class FormToken:
    employee_id: int
    code_id: int
    submission_id: str
    device_hash: str


def keyed_hash(secret_key: str, purpose: str, value: str) -> str:
    """SHA-256 HMAC with the server secret: the raw cookie and address never reach the database."""
    return hmac.digest(f"{purpose}:{secret_key}".encode(), value.encode(), "sha256").hex()  # one C call


def _device_signature(secret_key: str, raw: str) -> str:
    return keyed_hash(secret_key, "device-id", raw)[:22]


def new_device_id(secret_key: str) -> str:
    """A device id issued and signed by this service: `<random>.<signature>`. Only such an id counts
    as a device (its own limits, one counted answer per desk and day); a value the client chose
    never does."""
    raw = secrets.token_urlsafe(24)
    return f"{raw}.{_device_signature(secret_key, raw)}"


@functools.lru_cache(maxsize=1024)
def is_issued_device_id(secret_key: str, cookie: str) -> bool:
    """Cached: a post asks it three times (the fast path, the token's device, the device limit), and
    a phone posts again with the same cookie."""
    raw, _, signature = cookie.partition(".")
    return (
        len(raw) == 32
        and len(signature) == 22
        and hmac.compare_digest(signature, _device_signature(secret_key, raw))
    )


@functools.lru_cache(maxsize=4)
def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    """One per secret key and process: building it (key derivation set-up) was a tenth of the cost
    of reading a token."""
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def issue_form_token(
    secret_key: str, employee_id: int, code_id: int, device_hash: str, now: dt.datetime | None = None
) -> str:
    """The form's token: bound to the scan (this desk's code, this device) and to the Tehran day the
    page was opened, so a stock of forms fetched ahead (a photographed code opened by a script) is
    void at the next midnight. It carries the moment it stops being valid (epoch seconds), so that
    reading it on the hot path is one comparison."""
    next_day = tehran_day(now or utcnow()) + dt.timedelta(days=1)
    until = dt.datetime.combine(next_day, dt.time(), tzinfo=TEHRAN) + TOKEN_DAY_GRACE
    return _serializer(secret_key).dumps(
        [employee_id, code_id, str(uuid.uuid4()), device_hash[:32], int(until.timestamp())]
    )


def read_form_token(
    secret_key: str,
    token: str,
    device_hash: str,
    max_age: int = TOKEN_MAX_AGE,
    now: dt.datetime | None = None,
) -> FormToken:
    try:
        fields = _serializer(secret_key).loads(token, max_age=max_age)
        employee_id, code_id, submission_id, bound_device, *until = fields
        valid_until = int(until[0]) if len(until) == 1 else None
        if len(until) > 1:
            raise ValueError("too many fields")
    except SignatureExpired:
        raise TokenError("expired") from None
    except (BadSignature, ValueError, TypeError):
        raise TokenError("invalid") from None
    # a token of four fields was issued before forms carried their day: its age alone bounds it
    if valid_until is not None and (now.timestamp() if now else time.time()) >= valid_until:
        raise TokenError("expired")
    if not hmac.compare_digest(str(bound_device), device_hash[:32]):
        raise TokenError("other device")
    return FormToken(int(employee_id), int(code_id), str(submission_id), device_hash)


_TAG = re.compile(r"<[^>]*>?")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_comment(raw: str | None) -> str | None:
    """Markup stripped (tags removed, entities decoded once, then tags removed again), control
    characters dropped, whitespace trimmed, cut to the column's limit."""
    if not raw:
        return None
    text = _TAG.sub("", raw)
    text = _TAG.sub("", html.unescape(text))
    text = _CONTROL.sub("", text).strip()
    return text[:COMMENT_MAX] or None


def rule_counts() -> tuple[ScalarSelect, ScalarSelect]:
    """The two counts the rules judge, as scalar subqueries on bound parameters (`rule_params`), so
    the submission asks for them in the same round trip as its other checks. Each also names the
    submission's day and the day before, which its window never reaches past (as `feedback_submit`
    does since version 3: on PostgreSQL that reads two monthly partitions of `responses`, not all)."""
    r = Response.__table__.c
    same_ip = (
        select(func.count())
        .select_from(Response.__table__)
        .where(
            r.employee_id == bindparam("r_employee_id"),
            r.ip_hash == bindparam("r_ip_hash"),
            r.created_at >= bindparam("r_ip_since", type_=r.created_at.type),
            r.day.between(bindparam("r_day_before", type_=r.day.type), bindparam("r_day", type_=r.day.type)),
        )
        .scalar_subquery()
    )
    others = (
        select(func.count(func.distinct(r.employee_id)))
        .where(
            r.device_hash == bindparam("r_device_hash"),
            r.employee_id != bindparam("r_employee_id"),
            r.created_at >= bindparam("r_device_since", type_=r.created_at.type),
            r.day.between(bindparam("r_day_before", type_=r.day.type), bindparam("r_day", type_=r.day.type)),
        )
        .scalar_subquery()
    )
    return same_ip, others


def rule_windows(now: dt.datetime) -> dict[str, object]:
    """Where the rules' windows start (also `feedback_submit`'s arguments for them)."""
    return {"r_ip_since": now - EMPLOYEE_IP_WINDOW, "r_device_since": now - DEVICE_WINDOW}


def rule_params(employee_id: int, device_hash: str, ip_hash: str, now: dt.datetime) -> dict[str, object]:
    day = tehran_day(now)
    return {
        "r_employee_id": employee_id,
        "r_ip_hash": ip_hash,
        "r_device_hash": device_hash,
        "r_day": day,
        "r_day_before": day - dt.timedelta(days=1),
        **rule_windows(now),
    }


def judge_rules(same_ip_count: int, other_employees: int) -> str | None:
    """The first rule the counts trip (flagged rows included: a burst stays a burst)."""
    if same_ip_count >= EMPLOYEE_IP_THRESHOLD:
        return EMPLOYEE_IP_BURST
    if other_employees >= DEVICE_THRESHOLD - 1:
        return DEVICE_MANY_EMPLOYEES
    return None
