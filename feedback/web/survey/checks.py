"""The checks on a posted answer, one definition for both ways a post is taken: the Flask route
(`routes.submit`) and the WSGI fast path in front of it (`fast_path`).

A post passes when its device id is one this service issued, its signed form token is this
device's and still valid, its four answers are whole, and the per-address, per-network and
per-device limits allow it; what it submits is `Submission`. The
route turns each refusal into its page; the fast path hands every refusal to the route.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.ratelimit import Check, parse_limits
from feedback.survey.integrity import TokenError, is_issued_device_id, keyed_hash, read_form_token
from feedback.survey.models import COMMENT_MAX
from feedback.survey.services import Submission, parse_answers

DEVICE_COOKIE = "fb_device"
# Per address: generous for a mobile carrier's shared NAT; per device: a person, not a script.
IP_LIMITS = parse_limits("60 per minute;600 per hour")
DEVICE_LIMITS = parse_limits("12 per minute;120 per hour")
QUESTION_FIELDS = tuple(f"q{n}" for n in range(1, 5))


def is_device_cookie(secret: str, cookie: str) -> bool:
    """A device id this service issued and signed (a client-chosen value is not a device)."""
    return is_issued_device_id(secret, cookie)


def answer_limits(secret: str, remote_addr: str | None, network: str, cookie: str | None) -> list[Check]:
    """The limits on posting answers: per address, per network (an IPv6 /64, the configured IPv4
    prefix: rotating addresses inside it gains nothing) and per issued device."""
    checks: list[Check] = [(f"answer:{remote_addr}", IP_LIMITS), (f"answer-net:{network}", IP_LIMITS)]
    if cookie and is_device_cookie(secret, cookie):
        checks.append((f"device:{cookie}", DEVICE_LIMITS))
    return checks


def answer_fields(form: Mapping[str, str]) -> dict[str, str]:
    """The four answers as typed (the route shows them again when one is missing)."""
    return {name: form.get(name, "") for name in QUESTION_FIELDS}


def posted_comment(form: Mapping[str, str]) -> str:
    """The comment, cut to what can still be a valid one (`clean_comment` has the last word)."""
    return form.get("comment", "")[: COMMENT_MAX * 4]


def check_answer(secret: str, form: Mapping[str, str], cookie: str, network: str) -> Submission:
    """What a posted form submits, once its token and answers pass. The address recorded (and
    judged by the burst rule) is the client's network, so addresses rotated within it are one.

    Raises `TokenError` (a token forged, expired or issued to another device, or a device id this
    service did not issue) before `ValidationError` (the answers' fields), the order in which the
    route answers them."""
    if not is_device_cookie(secret, cookie):
        raise TokenError("other device")
    signed = read_form_token(
        secret, form.get("form_token", ""), keyed_hash(secret, "device", cookie) if cookie else "-"
    )
    answers = parse_answers(answer_fields(form))
    return Submission(
        employee_id=signed.employee_id,
        code_id=signed.code_id,
        submission_id=signed.submission_id,
        device_hash=signed.device_hash,
        ip_hash=keyed_hash(secret, "ip", network),
        answers=answers,
        comment=posted_comment(form),
    )
