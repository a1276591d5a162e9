"""Unit heads' alerts: subscribe, evaluate (a task on the feedback worker), acknowledge with a note.

An alert stays open until acknowledged; while it is open its subscription raises no other, so a
unit that stays quiet for a week gets one alert, not one per evaluation."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actors import Actor, Role
from core.dates import tehran_today
from core.db import utcnow
from core.errors import NotAuthorized, NotFound, ValidationError
from feedback.accounts.models import Account
from feedback.dashboards import queries
from feedback.dashboards.models import ALERT_KINDS, LOW_RESPONSES, LOW_SCORE, Alert, AlertSubscription
from feedback.dashboards.scopes import UNIT
from feedback.dashboards.services import account_scope
from feedback.reports.schemas import NOTE_MAX
from feedback.rollups.services import fold_pending

WINDOWS = (1, 7, 30)


def _unit_or_refuse(actor: Actor | None) -> str:
    scope = account_scope(actor)
    if scope is None or scope.kind != UNIT:
        raise NotAuthorized("alerts are for unit heads")
    return scope.value


def subscribe_alert(
    session: Session, actor: Actor | None, kind: str, threshold: str, window_days: str
) -> AlertSubscription:
    unit = _unit_or_refuse(actor)
    assert actor is not None and actor.id is not None
    fields: dict[str, str] = {}
    if kind not in ALERT_KINDS:
        fields["kind"] = "unknown_kind"
    try:
        value = float(threshold)
    except ValueError:
        value = -1.0
    if value < 0 or (kind == LOW_SCORE and value > 100):
        fields["threshold"] = "out_of_range"
    try:
        window = int(window_days)
    except ValueError:
        window = 0
    if window not in WINDOWS:
        fields["window_days"] = "out_of_range"
    if fields:
        raise ValidationError("the alert has invalid fields", fields=fields)
    subscription = AlertSubscription(
        account_id=actor.id, unit_key=unit, kind=kind, threshold=value, window_days=window
    )
    session.add(subscription)
    session.commit()
    return subscription


@dataclasses.dataclass(frozen=True)
class AlertRow:
    alert: Alert
    subscription: AlertSubscription


def list_alerts(session: Session, actor: Actor | None) -> tuple[list[AlertSubscription], list[AlertRow]]:
    _unit_or_refuse(actor)
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
    _unit_or_refuse(actor)
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
        session.commit()
    return alert


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
        keys_by_window.setdefault(subscription.window_days, set()).add(subscription.unit_key)
    return {
        window: {t.key: t for t in queries.list_totals_by_key(session, UNIT, window, keys=sorted(keys))}
        for window, keys in keys_by_window.items()
    }


def evaluate_alerts(session: Session, actor: Actor, min_responses: int, on: dt.date | None = None) -> int:
    """Raise an alert for each active subscription whose threshold is broken and that has no open
    alert; returns how many were raised. Run by the worker (system actor)."""
    if actor.role != Role.system:
        raise NotAuthorized("alerts are evaluated by the worker")
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
        totals = by_window[subscription.window_days].get(key) or queries.Totals(key, 0, (0, 0, 0, 0))
        value = _breached(subscription, totals, min_responses)
        if value is not None:
            session.add(Alert(subscription_id=subscription.id, value=value, count=totals.count))
            raised += 1
    session.commit()
    return raised
