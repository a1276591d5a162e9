"""Enums, limits and the allowed status transitions of a missing-code report."""

from __future__ import annotations

import enum


class ReportStatus(enum.StrEnum):
    open = "open"
    verified = "verified"
    resolved = "resolved"
    duplicate = "duplicate"  # repeats another report (`duplicate_of`), with the reason
    rejected = "rejected"  # not a desk without a code (a wrong place, a prank), with the reason


class Channel(enum.StrEnum):
    bale = "bale"
    web = "web"


class OutboxStatus(enum.StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"  # gave up: a permanent refusal or too many attempts


class Step(enum.StrEnum):
    """Where a Bale conversation stands; the step names the question the bot last asked."""

    agency = "agency"
    province = "province"
    office = "office"
    address = "address"
    employee = "employee"
    attachment = "attachment"
    confirm = "confirm"


# from → the statuses it may move to: someone checks the desk (verified), then the code is posted
# (resolved). A report that repeats another is closed as a duplicate and a false one is rejected,
# either before or after the check, each with a reason; the three closed statuses are final.
CLOSED_WITH_REASON = frozenset({ReportStatus.duplicate, ReportStatus.rejected})
ALLOWED_TRANSITIONS: dict[ReportStatus, frozenset[ReportStatus]] = {
    ReportStatus.open: frozenset({ReportStatus.verified, *CLOSED_WITH_REASON}),
    ReportStatus.verified: frozenset({ReportStatus.resolved, *CLOSED_WITH_REASON}),
    ReportStatus.resolved: frozenset(),
    ReportStatus.duplicate: frozenset(),
    ReportStatus.rejected: frozenset(),
}
# how long the place's registry account has to follow a report up, when it is given one on arrival
OWNER_DAYS = 14

OFFICE_MAX = 200
ADDRESS_MAX = 500
EMPLOYEE_MAX = 120
NOTE_MAX = 1000
ACTOR_MAX = 120
CONVERSATION_TTL_SECONDS = 24 * 3600
