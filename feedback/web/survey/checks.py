"""The checks on a posted answer, one definition for both ways a post is taken: the Flask route
(`routes.submit`) and the WSGI fast path in front of it (`fast_path`).

A post passes when its signed form token is this device's and still valid, its four answers are
whole, and the per-address and per-device limits allow it; what it submits is `Submission`. The
route turns each refusal into its page; the fast path hands every refusal to the route.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.ratelimit import Check, parse_limits
from feedback.survey.integrity import keyed_hash, read_form_token
from feedback.survey.models import COMMENT_MAX
from feedback.survey.services import Submission, parse_answers

DEVICE_COOKIE = "fb_device"
# Per address: generous for a mobile carrier's shared NAT; per device: a person, not a script.
IP_LIMITS = parse_limits("60 per minute;600 per hour")
DEVICE_LIMITS = parse_limits("12 per minute;120 per hour")
QUESTION_FIELDS = tuple(f"q{n}" for n in range(1, 5))


def is_device_cookie(cookie: str) -> bool:
    """A device id this service could have set."""
    return 16 <= len(cookie) <= 64


def answer_limits(remote_addr: str | None, cookie: str | None) -> list[Check]:
    """The limits on posting answers: per address and per device cookie."""
    device = f"device:{cookie}" if cookie else f"device:none:{remote_addr}"
    return [(f"answer:{remote_addr}", IP_LIMITS), (device, DEVICE_LIMITS)]


def answer_fields(form: Mapping[str, str]) -> dict[str, str]:
    """The four answers as typed (the route shows them again when one is missing)."""
    return {name: form.get(name, "") for name in QUESTION_FIELDS}


def posted_comment(form: Mapping[str, str]) -> str:
    """The comment, cut to what can still be a valid one (`clean_comment` has the last word)."""
    return form.get("comment", "")[: COMMENT_MAX * 4]


def check_answer(secret: str, form: Mapping[str, str], cookie: str, remote_addr: str | None) -> Submission:
    """What a posted form submits, once its token and answers pass.

    Raises `TokenError` (a token forged, expired or issued to another device) before
    `ValidationError` (the answers' fields), the order in which the route answers them."""
    signed = read_form_token(
        secret, form.get("form_token", ""), keyed_hash(secret, "device", cookie) if cookie else "-"
    )
    answers = parse_answers(answer_fields(form))
    return Submission(
        employee_id=signed.employee_id,
        code_id=signed.code_id,
        submission_id=signed.submission_id,
        device_hash=signed.device_hash,
        ip_hash=keyed_hash(secret, "ip", remote_addr or ""),
        answers=answers,
        comment=posted_comment(form),
    )
