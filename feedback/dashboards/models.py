"""Unit heads' alert subscriptions and the alerts they raise (kept after acknowledgement, with the note),
and the reviews of flagged answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TimestampMixin, utcnow
from feedback.db import FeedbackBase

LOW_RESPONSES = "low_responses"
LOW_SCORE = "low_score"
DROP = "drop"
BURST = "burst"
ALERT_KINDS = (LOW_RESPONSES, LOW_SCORE, DROP, BURST)
DASHBOARD, BALE = "web", "bale"  # where an alert was acknowledged


class AlertSubscription(TimestampMixin, FeedbackBase):
    """`low_responses`: fewer than `threshold` responses over the last `window_days`;
    `low_score`: the score over that window under `threshold` (0..100), once there are enough
    responses for a score at all; `drop`: the score over the window `threshold` points or more below
    the score over the window before it (both with enough responses); `burst`: `threshold` or more
    low answers (`feedback.dashboards.bursts`) within the last hour, whatever the window's score."""

    __tablename__ = "alert_subscriptions"
    __table_args__ = (
        CheckConstraint("kind IN ('low_responses', 'low_score', 'drop', 'burst')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    # the scope watched: its kind (unit, agency, province, nation: the account's own) and its key
    # (`unit_key` for a unit, the agency or province code, "IR" for the nation)
    scope_kind: Mapped[str] = mapped_column(String(16), default="unit", server_default="unit")
    unit_key: Mapped[str] = mapped_column(String(240))
    kind: Mapped[str] = mapped_column(String(16))
    threshold: Mapped[float] = mapped_column(Float)
    window_days: Mapped[int] = mapped_column(Integer, default=7)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Alert(FeedbackBase):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), index=True
    )
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    value: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(254))
    note: Mapped[str | None] = mapped_column(Text)
    acknowledged_via: Mapped[str | None] = mapped_column(String(8))  # DASHBOARD or BALE
    # when it was e-mailed and queued for Bale (None: not yet; the next evaluation sends it)
    notified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


MISUSE = "misuse"
RELEASED = "released"
REVIEW_OUTCOMES = (MISUSE, RELEASED)


class ResponseReview(FeedbackBase):
    """A flagged answer's review: confirmed as misuse (it stays out of the figures) or released back
    into them, with who decided and why. One decision per answer; no foreign key, so the responses
    table stays free to be partitioned."""

    __tablename__ = "response_reviews"
    __table_args__ = (CheckConstraint("outcome IN ('misuse', 'released')", name="outcome"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    outcome: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(254))
    reviewed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
