"""Enums, limits and the allowed status transitions of a missing-code report."""

from __future__ import annotations

import enum


class ReportStatus(enum.StrEnum):
    open = "open"
    verified = "verified"
    resolved = "resolved"


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
# (resolved). A false report is resolved with a note saying so; resolved is final.
ALLOWED_TRANSITIONS: dict[ReportStatus, frozenset[ReportStatus]] = {
    ReportStatus.open: frozenset({ReportStatus.verified}),
    ReportStatus.verified: frozenset({ReportStatus.resolved}),
    ReportStatus.resolved: frozenset(),
}

OFFICE_MAX = 200
ADDRESS_MAX = 500
EMPLOYEE_MAX = 120
NOTE_MAX = 1000
ACTOR_MAX = 120
CONVERSATION_TTL_SECONDS = 24 * 3600
