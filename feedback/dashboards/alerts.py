"""Alerts for every dashboard account (a unit's head, an agency or ministry, a province, the nation) on
its own scope: subscribe, evaluate (a task on the feedback worker), send out of the app (e-mail, and a
Bale message through the outbox when the account has a Bale chat), acknowledge with a note.

An alert stays open until acknowledged; while it is open its subscription raises no other, so a
unit that stays quiet for a week gets one alert, not one per evaluation. Each message links to the
dashboard that explains it (the scope over the alert's window) and to the alerts page."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import smtplib
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actors import Actor, Role
from core.dates import tehran_today
from core.db import utcnow
from core.errors import NotAuthorized, NotFound, ValidationError
from core.mail import send_email
from feedback.accounts.models import Account
from feedback.dashboards import queries
from feedback.dashboards.bursts import count_low_answers
from feedback.dashboards.models import (
    ALERT_KINDS,
    BALE,
    BURST,
    DASHBOARD,
    DROP,
    LOW_RESPONSES,
    LOW_SCORE,
    Alert,
    AlertSubscription,
)
from feedback.dashboards.scopes import NATION, UNIT, Scope
from feedback.dashboards.services import (
    account_scope,
    response_filter,
    scope_daily,
    scope_label,
    scope_period_totals,
)
from feedback.reports.messages import ACK_BUTTON
from feedback.reports.models import BaleOutbox
from feedback.reports.schemas import NOTE_MAX
from feedback.rollups.models import DAY_LEVELS
from feedback.rollups.services import fold_pending

WINDOWS = (1, 7, 30)
ACK_CALLBACK = "ack:"  # the callback data of the button under an alert's Bale message: "ack:<id>"
log = logging.getLogger(__name__)


def _scope_or_refuse(actor: Actor | None) -> Scope:
    scope = account_scope(actor)
    if scope is None:
        raise NotAuthorized("alerts are for dashboard accounts")
    return scope


def _watched(subscription: AlertSubscription) -> Scope:
    if subscription.scope_kind == NATION:
        return Scope(NATION)
    return Scope(subscription.scope_kind, subscription.unit_key)


def can_watch_drop(actor: Actor | None) -> bool:
    """A drop compares two windows of days: only the scopes that keep a day series have one."""
    scope = account_scope(actor)
    return scope is not None and scope.kind in DAY_LEVELS


def subscribe_alert(
    session: Session, actor: Actor | None, kind: str, threshold: str, window_days: str
) -> AlertSubscription:
    scope = _scope_or_refuse(actor)
    assert actor is not None and actor.id is not None
    fields: dict[str, str] = {}
    if kind not in ALERT_KINDS:
        fields["kind"] = "unknown_kind"
    elif kind == DROP and scope.kind not in DAY_LEVELS:
        fields["kind"] = "no_day_series"  # a drop compares two windows of days: nation, province, agency
    try:
        value = float(threshold)
    except ValueError:
        value = -1.0
    if not math.isfinite(value):
        value = -1.0
    if value < 0 or (kind in (LOW_SCORE, DROP) and value > 100):
        fields["threshold"] = "out_of_range"
    elif kind == BURST and (value < 1 or not value.is_integer()):
        fields["threshold"] = "out_of_range"  # a number of answers, one or more
    try:
        window = 1 if kind == BURST else int(window_days)  # a burst's window is the last hour
    except ValueError:
        window = 0
    if window not in WINDOWS:
        fields["window_days"] = "out_of_range"
    if fields:
        raise ValidationError("the alert has invalid fields", fields=fields)
    subscription = AlertSubscription(
        account_id=actor.id,
        scope_kind=scope.kind,
        unit_key=scope.key,
        kind=kind,
        threshold=value,
        window_days=window,
    )
    session.add(subscription)
    session.commit()
    return subscription


@dataclasses.dataclass(frozen=True)
class AlertRow:
    alert: Alert
    subscription: AlertSubscription


def list_alerts(session: Session, actor: Actor | None) -> tuple[list[AlertSubscription], list[AlertRow]]:
    _scope_or_refuse(actor)
    assert actor is not None
    subscriptions = list(
        session.scalars(
            select(AlertSubscription)
            .where(AlertSubscription.account_id == actor.id, AlertSubscription.active)
            .order_by(AlertSubscription.id)
        )
    )
    rows = session.execute(
        select(Alert, AlertSubscription)
        .join(AlertSubscription, Alert.subscription_id == AlertSubscription.id)
        .where(AlertSubscription.account_id == actor.id)
        .order_by(Alert.acknowledged_at.is_not(None), Alert.id.desc())
        .limit(100)
    ).all()
    return subscriptions, [AlertRow(alert, sub) for alert, sub in rows]


def acknowledge_alert(session: Session, actor: Actor | None, alert_id: int, note: str) -> Alert:
    """Another account's alert is "not found"; the note says what was done about it."""
    _scope_or_refuse(actor)
    assert actor is not None
    found = session.execute(
        select(Alert, AlertSubscription)
        .join(AlertSubscription, Alert.subscription_id == AlertSubscription.id)
        .where(Alert.id == alert_id, AlertSubscription.account_id == actor.id)
    ).first()
    if found is None:
        raise NotFound("no such alert", alert_id=alert_id)
    alert = found[0]
    note = (note or "").strip()
    if not note or len(note) > NOTE_MAX:
        raise ValidationError("a note is needed", fields={"note": "required" if not note else "too_long"})
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by, alert.note = utcnow(), actor.label, note
        alert.acknowledged_via = DASHBOARD
        session.commit()
    return alert


ACKNOWLEDGED, ALREADY, UNKNOWN = "acknowledged", "already", "unknown"


def acknowledge_from_bale(session: Session, chat_id: int, alert_id: int, note: str) -> str:
    """The button under an alert's Bale message (or `/ack <id> <note>`): acknowledged as the account
    whose Bale chat it is, when the alert is that account's; an alert of another account is
    "unknown", as on the dashboard. Not committed: the webhook commits it with the update and the
    reply. Returns ACKNOWLEDGED, ALREADY or UNKNOWN."""
    found = session.execute(
        select(Alert, Account)
        .join(AlertSubscription, Alert.subscription_id == AlertSubscription.id)
        .join(Account, Account.id == AlertSubscription.account_id)
        .where(Alert.id == alert_id, Account.bale_chat_id == chat_id, Account.active)
        .with_for_update(of=Alert)
    ).first()
    if found is None:
        return UNKNOWN
    alert, account = found
    if alert.acknowledged_at is not None:
        return ALREADY
    alert.acknowledged_at, alert.acknowledged_by = utcnow(), account.email
    alert.note, alert.acknowledged_via = note.strip()[:NOTE_MAX], BALE
    return ACKNOWLEDGED


def _breached(subscription: AlertSubscription, totals: queries.Totals, min_responses: int) -> float | None:
    """The value that broke the threshold, or None."""
    if subscription.kind == LOW_RESPONSES:
        return float(totals.count) if totals.count < subscription.threshold else None
    score = totals.score
    if totals.count >= min_responses and score is not None and score < subscription.threshold:
        return score
    return None


def _unit_totals_by_window(
    session: Session, subscriptions: list[AlertSubscription]
) -> dict[int, dict[str, queries.Totals]]:
    """window_days → unit key → totals over the window (a period of `rollup_periods`, ending on the
    day the fold advanced to): one range per window length (there are only a few), not one read per
    subscription. A unit without rollups is absent."""
    keys_by_window: dict[int, set[str]] = {}
    for subscription in subscriptions:
        if subscription.scope_kind != UNIT:
            continue
        keys_by_window.setdefault(subscription.window_days, set()).add(subscription.unit_key)
    return {
        window: {t.key: t for t in queries.list_totals_by_key(session, UNIT, window, keys=sorted(keys))}
        for window, keys in keys_by_window.items()
    }


def _drop(
    session: Session, subscription: AlertSubscription, end: dt.date, min_responses: int
) -> tuple[float, int] | None:
    """(points fallen, responses) when the window's score is `threshold` points or more below the
    window before it, both with enough responses; one range read over the two windows of the day
    series (nation, provinces, agencies: a unit keeps none, so it has no drop alert)."""
    if subscription.scope_kind not in DAY_LEVELS:
        return None
    window = dt.timedelta(days=subscription.window_days)
    split = end - window  # the last day of the window before
    days = scope_daily(session, _watched(subscription), split - window + dt.timedelta(days=1), end)
    now = queries.sum_days(subscription.unit_key, [(d, t) for d, t in days if d > split])
    before = queries.sum_days(subscription.unit_key, [(d, t) for d, t in days if d <= split])
    if now.count < min_responses or before.count < min_responses:
        return None
    fallen = (before.score or 0) - (now.score or 0)
    return (fallen, now.count) if fallen >= subscription.threshold else None


def _burst(session: Session, subscription: AlertSubscription, now: dt.datetime) -> tuple[float, int] | None:
    """(low answers, all answers) over the last hour when the low ones reach the threshold."""
    found = count_low_answers(session, response_filter(_watched(subscription)), now)
    return (float(found.low), found.total) if found.low >= subscription.threshold else None


def evaluate_alerts(
    session: Session,
    actor: Actor,
    min_responses: int,
    on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Raise an alert for each active subscription whose threshold is broken and that has no open
    alert; returns how many were raised. Run by the worker (system actor)."""
    if actor.role != Role.system:
        raise NotAuthorized("alerts are evaluated by the worker")
    now = now or utcnow()
    end = on or tehran_today()
    fold_pending(session, end)
    open_ids = set(session.scalars(select(Alert.subscription_id).where(Alert.acknowledged_at.is_(None))))
    subscriptions = [
        subscription
        for subscription in session.scalars(
            select(AlertSubscription)
            .join(Account, Account.id == AlertSubscription.account_id)
            .where(AlertSubscription.active, Account.active)
        )
        if subscription.id not in open_ids
    ]
    by_window = _unit_totals_by_window(session, subscriptions)
    raised = 0
    for subscription in subscriptions:
        key = subscription.unit_key
        if subscription.kind in (DROP, BURST):
            found = (
                _drop(session, subscription, end, min_responses)
                if subscription.kind == DROP
                else _burst(session, subscription, now)
            )
            if found is not None:
                session.add(Alert(subscription_id=subscription.id, value=found[0], count=found[1]))
                raised += 1
            continue
        if subscription.scope_kind == UNIT:
            totals = by_window[subscription.window_days].get(key) or queries.Totals(key, 0, (0, 0, 0, 0))
        else:  # an agency (with its organizations), a province, the nation: their window's period
            totals = scope_period_totals(session, _watched(subscription), subscription.window_days)
        value = _breached(subscription, totals, min_responses)
        if value is not None:
            session.add(Alert(subscription_id=subscription.id, value=value, count=totals.count))
            raised += 1
    session.commit()
    return raised


def _message(alert: Alert, subscription: AlertSubscription, base_url: str) -> tuple[str, str]:
    """The subject and the body (Persian, as the accounts read it) with the two links."""
    scope = _watched(subscription)
    label = scope_label(scope)
    days = subscription.window_days
    if subscription.kind == LOW_RESPONSES:
        what = f"تنها {alert.count} پاسخ در {days} روز گذشته (کمتر از {subscription.threshold:g})"
    elif subscription.kind == DROP:
        what = f"امتیاز {alert.value:.1f} واحد نسبت به {days} روز پیش از آن افت کرد"
    elif subscription.kind == BURST:
        what = f"{alert.value:g} پاسخ با امتیاز پایین از {alert.count} پاسخ در یک ساعت گذشته"
    else:
        what = f"امتیاز {alert.value:.1f} در {days} روز گذشته، زیر {subscription.threshold:g}"
    base = base_url.rstrip("/")
    explain = f"{base}/dashboard?scope={quote(scope.text(), safe=':/')}&days={days if days in (7, 30) else 7}"
    body = (
        f"هشدار برای {label}: {what}.\n\nچرا: {explain}\nتأیید دریافت: {base}/dashboard/alerts"
        f"\nشمارهٔ هشدار: {alert.id}"
    )
    return f"هشدار نظرسنجی: {label}", body


def notify_alerts(session: Session, actor: Actor, smtp_url: str, sender: str, base_url: str) -> list[int]:
    """Send each alert not yet sent: an e-mail to its account (when SMTP is configured) and a Bale
    message through the outbox (when the account has a Bale chat). An e-mail that fails leaves the
    alert unsent, so the next evaluation tries again (and queues nothing twice). Returns the outbox
    rows queued, for the caller to send after the commit."""
    if actor.role != Role.system:
        raise NotAuthorized("alerts are sent by the worker")
    pending = session.execute(
        select(Alert, AlertSubscription, Account)
        .join(AlertSubscription, Alert.subscription_id == AlertSubscription.id)
        .join(Account, Account.id == AlertSubscription.account_id)
        .where(Alert.notified_at.is_(None), Alert.acknowledged_at.is_(None), Account.active)
        .order_by(Alert.id)
    ).all()
    queued: list[int] = []
    for alert, subscription, account in pending:
        subject, body = _message(alert, subscription, base_url)
        if smtp_url:
            try:
                send_email(smtp_url, sender, [account.email], subject, body)
            except (OSError, smtplib.SMTPException) as exc:
                log.warning(
                    "alert %s: e-mail to account %s failed (%s), retried later", alert.id, account.id, exc
                )
                continue
        if account.bale_chat_id:
            button = {"text": ACK_BUTTON, "callback_data": f"{ACK_CALLBACK}{alert.id}"}
            row = BaleOutbox(
                chat_id=account.bale_chat_id,
                method="sendMessage",
                payload={
                    "chat_id": account.bale_chat_id,
                    "text": body,
                    "reply_markup": {"inline_keyboard": [[button]]},
                },
            )
            session.add(row)
            session.flush()
            queued.append(row.id)
        alert.notified_at = utcnow()
        session.commit()
    return queued
