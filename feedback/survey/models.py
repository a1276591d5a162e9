"""Survey questions and the responses citizens send from a desk's code."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TimestampMixin, utcnow
from feedback.db import FeedbackBase

COUNTED = "counted"
REPLACED = "replaced"
FLAGGED = "flagged"
STATUSES = (COUNTED, REPLACED, FLAGGED)
COMMENT_MAX = 500


class SurveyQuestion(TimestampMixin, FeedbackBase):
    """One of the four questions; registry admins edit the wording, the position is fixed (q1..q4)."""

    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(SmallInteger, unique=True)
    text_fa: Mapped[str] = mapped_column(String(300))
    text_en: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    __table_args__ = (CheckConstraint("position BETWEEN 1 AND 4", name="position"),)


class Response(FeedbackBase):
    """One citizen's answers. The employee's dimensions are copied at submission so a later move of
    the employee to another unit does not rewrite history (and rollups can be rebuilt from this row)."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # No foreign keys (migration 0034): employees and codes are never deleted, `feedback_submit`
    # reads both in the statement that inserts, and the keys' checks locked both rows on every answer.
    # employee_id is indexed as the first column of ix_responses_employee_ip.
    employee_id: Mapped[int] = mapped_column(Integer)
    code_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    device_hash: Mapped[str] = mapped_column(String(64))
    ip_hash: Mapped[str] = mapped_column(String(64))
    q1: Mapped[int] = mapped_column(SmallInteger)
    q2: Mapped[int] = mapped_column(SmallInteger)
    q3: Mapped[int] = mapped_column(SmallInteger)
    q4: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=COUNTED, server_default=COUNTED)
    flag_rule: Mapped[str | None] = mapped_column(String(64))
    replaced_by_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), ForeignKey("responses.id", ondelete="SET NULL")
    )
    submission_id: Mapped[str] = mapped_column(String(36), unique=True)
    unit: Mapped[str] = mapped_column(String(200))
    agency_code: Mapped[str] = mapped_column(String(16))
    province_code: Mapped[str] = mapped_column(String(8))
    county_code: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        CheckConstraint("q1 BETWEEN 1 AND 5", name="q1"),
        CheckConstraint("q2 BETWEEN 1 AND 5", name="q2"),
        CheckConstraint("q3 BETWEEN 1 AND 5", name="q3"),
        CheckConstraint("q4 BETWEEN 1 AND 5", name="q4"),
        CheckConstraint("status IN ('counted', 'replaced', 'flagged')", name="status"),
        CheckConstraint("comment IS NULL OR length(comment) <= 500", name="comment_length"),
        Index("ix_responses_employee_ip", "employee_id", "ip_hash", "created_at"),
        Index("ix_responses_device", "device_hash", "created_at"),
        Index(
            "uq_responses_one_counted",
            "employee_id",
            "device_hash",
            "day",
            unique=True,
            postgresql_where=text("status = 'counted'"),
            sqlite_where=text("status = 'counted'"),
        ),
    )
