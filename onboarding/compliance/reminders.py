"""Reminders to agency admins before a deadline they are projected to miss.

Every reminder is a Notification row (always listed in the portal). When SMTP is configured it is
also e-mailed; a failed delivery stays `pending` with its error and attempt count, is logged, and is
retried by the next delivery run, so a mail outage never loses a reminder.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from core.dates import format_jalali, utcnow
from core.mail import send_email
from onboarding.compliance import queries as q
from onboarding.compliance.models import Milestone, Notification
from onboarding.compliance.schemas import EmailStatus

log = logging.getLogger(__name__)

REMINDER_KIND = "deadline_at_risk"
MAX_ERROR_CHARS = 500


def create_reminders(
    session: Session,
    day: dt.date,
    at_risk: Iterable[tuple[int, int]],
    milestones: dict[int, Milestone],
    email_enabled: bool,
) -> list[Notification]:
    """One reminder per agency × milestone × deadline, once the deadline is within the reminder window.

    No commit: runs inside the snapshot's transaction.
    """
    due = []
    for agency_id, milestone_id in at_risk:
        milestone = milestones[milestone_id]
        days_left = (milestone.deadline - day).days
        if 0 <= days_left <= milestone.remind_days_before:
            key = f"{REMINDER_KIND}:{milestone.id}:{milestone.deadline.isoformat()}"
            due.append((agency_id, milestone, key))
    existing = q.list_notification_keys(session, {a for a, _, _ in due}, {key for _, _, key in due})
    created = []
    for agency_id, milestone, key in due:
        if (agency_id, key) in existing:
            continue
        existing.add((agency_id, key))  # the same agency × milestone twice in at_risk: one reminder
        deadline_fa = format_jalali(milestone.deadline, "fa")
        deadline_en = format_jalali(milestone.deadline, "en")
        notification = Notification(
            agency_id=agency_id,
            milestone_id=milestone.id,
            kind=REMINDER_KIND,
            dedupe_key=key,
            subject=f"یادآوری: «{milestone.title_fa}» تا {deadline_fa} در خطر است",
            body=(
                f"بر پایه‌ی روند اخیر، دستگاه شما تا مهلت {deadline_fa} به هدف «{milestone.title_fa}» "
                "نمی‌رسد. فهرست خدماتی که باید بهبود یابند در صفحه‌ی انطباق دستگاه آمده است.\n\n"
                "Reminder: at the recent trend your agency will not reach "
                f"“{milestone.title_en or milestone.code}” "
                f"by {deadline_en}. The agency's compliance page lists the services to improve."
            ),
            email_status=EmailStatus.pending if email_enabled else EmailStatus.not_configured,
            email_attempts=0,
            email_error="",
            created_at=utcnow(),
        )
        session.add(notification)
        created.append(notification)
    session.flush()
    return created


def deliver_pending_emails(session: Session, smtp_url: str, sender: str) -> dict[str, int]:
    """Send every pending reminder to its agency's admins; commits once. Failures stay pending."""
    counts = {"sent": 0, "failed": 0, "no_recipients": 0}
    pending = q.list_pending_emails(session)
    if not pending or not smtp_url:
        session.commit()
        return counts
    recipients_of: dict[int, list[str]] = {}  # agency id -> its admins' addresses, read once per agency
    for notification in pending:
        agency_id = notification.agency_id
        if agency_id not in recipients_of:
            recipients_of[agency_id] = q.list_agency_admin_emails(session, agency_id)
        recipients = recipients_of[agency_id]
        if not recipients:
            notification.email_status = EmailStatus.no_recipients
            counts["no_recipients"] += 1
            continue
        notification.email_attempts += 1
        try:
            send_email(smtp_url, sender, recipients, notification.subject, notification.body)
        except (OSError, smtplib.SMTPException) as exc:
            notification.email_error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
            counts["failed"] += 1
            log.warning(
                "reminder e-mail %s to agency %s failed (attempt %s): %s",
                notification.id,
                notification.agency_id,
                notification.email_attempts,
                notification.email_error,
            )
            continue
        notification.email_status = EmailStatus.sent
        notification.email_error = ""
        notification.emailed_at = utcnow()
        counts["sent"] += 1
    session.commit()
    return counts


__all__ = ["default_sender", "send_email"]  # send_email lives in core.mail (the feedback service sends too)


def default_sender(base_url: str) -> str:
    host = urlsplit(base_url).hostname or "localhost"
    return f"no-reply@{host}"
