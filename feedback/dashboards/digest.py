"""The weekly digest for each head of agency (every active agency-scope dashboard account; a
ministry's covers its organizations): the week's score and answers against the week before, the
units that need attention, open alerts and open missing-code reports, with links. E-mailed by a
weekly beat task; nothing is sent when SMTP is not configured."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actors import Actor, Role
from core.dates import tehran_today
from core.errors import NotAuthorized
from core.mail import send_email
from feedback.accounts.models import VIEWER, Account
from feedback.dashboards import queries
from feedback.dashboards.hierarchy import family
from feedback.dashboards.models import Alert, AlertSubscription
from feedback.dashboards.scopes import AGENCY, Scope
from feedback.dashboards.services import scope_daily, scope_label, units_of
from feedback.reports.models import MissingCodeReport
from feedback.rollups.services import fold_pending

log = logging.getLogger(__name__)
WORST = 3


def _score_text(totals: queries.Totals, min_responses: int) -> str:
    return (
        f"{totals.score:.1f}"
        if totals.count >= min_responses and totals.score is not None
        else "پاسخ کافی نیست"
    )


def digest_text(session: Session, account: Account, min_responses: int, end: dt.date, base_url: str) -> str:
    """One agency account's digest (Persian)."""
    scope = Scope(AGENCY, account.scope_value)
    week, before = end - dt.timedelta(days=6), end - dt.timedelta(days=13)
    days = scope_daily(session, scope, before, end)
    now = queries.sum_days(scope.key, [(d, t) for d, t in days if d >= week])
    last = queries.sum_days(scope.key, [(d, t) for d, t in days if d < week])
    units = [u for u in units_of(session, family(scope.value), 7, "fa") if u.totals.count >= min_responses]
    units.sort(key=lambda u: (u.totals.score or 0, u.label))
    open_alerts = session.scalar(
        select(func.count())
        .select_from(Alert)
        .join(AlertSubscription, Alert.subscription_id == AlertSubscription.id)
        .where(AlertSubscription.account_id == account.id, Alert.acknowledged_at.is_(None))
    )
    open_reports = session.scalar(
        select(func.count())
        .select_from(MissingCodeReport)
        .where(
            MissingCodeReport.agency_code.in_(family(scope.value)),
            MissingCodeReport.status.in_(("open", "verified")),
        )
    )
    base = base_url.rstrip("/")
    lines = [
        f"گزارش هفتگی {scope_label(scope)}",
        "",
        f"امتیاز این هفته: {_score_text(now, min_responses)} از {now.count} پاسخ"
        f" (هفته پیش: {_score_text(last, min_responses)} از {last.count} پاسخ)",
        "",
        "واحدهایی که بیشتر نیاز به توجه دارند:",
        *(f"- {u.label}: {_score_text(u.totals, min_responses)}" for u in units[:WORST]),
        *([] if units else ["- هنوز هیچ واحدی پاسخ کافی ندارد"]),
        "",
        f"هشدارهای باز: {open_alerts}   گزارش‌های کد ناموجود باز: {open_reports}",
        "",
        f"داشبورد: {base}/dashboard?scope={quote(scope.text(), safe=':/')}&days=7",
        f"هشدارها: {base}/dashboard/alerts   گزارش‌ها: {base}/dashboard/reports",
    ]
    return "\n".join(lines)


def send_weekly_digests(
    session: Session,
    actor: Actor,
    smtp_url: str,
    sender: str,
    base_url: str,
    min_responses: int,
    end: dt.date | None = None,
) -> int:
    """E-mail every active agency account its digest; how many were sent (a failure is logged and
    the others still go)."""
    if actor.role != Role.system:
        raise NotAuthorized("digests are sent by the worker")
    if not smtp_url:
        return 0
    end = end or tehran_today()
    fold_pending(session, end)
    accounts = session.scalars(
        select(Account)
        .where(Account.role == VIEWER, Account.scope_kind == AGENCY, Account.active)
        .order_by(Account.id)
    ).all()
    sent = 0
    for account in accounts:
        body = digest_text(session, account, min_responses, end, base_url)
        subject = f"گزارش هفتگی نظرسنجی: {scope_label(Scope(AGENCY, account.scope_value))}"
        try:
            send_email(smtp_url, sender, [account.email], subject, body)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("weekly digest to account %s failed (%s)", account.id, exc)
            continue
        sent += 1
    return sent
