"""Rows of missing-code reports, their status history, and the Bale bot's updates, chats and outbox."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import TimestampMixin, utcnow
from feedback.db import FeedbackBase


class MissingCodeReport(TimestampMixin, FeedbackBase):
    """A desk with no feedback code posted. The tracking number is the citizen's only handle on it."""

    __tablename__ = "missing_code_reports"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'verified', 'resolved', 'duplicate', 'rejected')", name="status"),
        CheckConstraint("channel IN ('bale', 'web')", name="channel"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(16), unique=True, nullable=False)
    agency_code: Mapped[str] = mapped_column(String(32), index=True, nullable=False)
    province_code: Mapped[str] = mapped_column(String(16), index=True, nullable=False)
    county_code: Mapped[str | None] = mapped_column(String(16))
    office_name: Mapped[str] = mapped_column(String(200), nullable=False)
    office_address: Mapped[str] = mapped_column(String(500), nullable=False)
    employee_name: Mapped[str | None] = mapped_column(String(120))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    # the photo itself, fetched from Bale (getFile) into the job files: its key there
    photo_key: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8), nullable=False)
    status: Mapped[str] = mapped_column(String(16), index=True, nullable=False, default="open")
    status_changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now(), nullable=False
    )
    # Who follows the report up (an account's e-mail) and by when; set on its dashboard page.
    owner: Mapped[str | None] = mapped_column(String(254))
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    # Why a report was closed as a duplicate or rejected (the citizen is told it), and for a
    # duplicate the tracking number of the report it repeats.
    reason: Mapped[str | None] = mapped_column(Text)
    duplicate_of: Mapped[str | None] = mapped_column(String(16))
    # Personal data: lets the bot tell the reporter about progress; never shown on a public page.
    reporter_chat_id: Mapped[int | None] = mapped_column(BigInteger)

    history: Mapped[list[ReportTransition]] = relationship(
        back_populates="report", order_by="ReportTransition.id", cascade="all, delete-orphan"
    )


class ReportTransition(FeedbackBase):
    """One step of a report's workflow (the first row is its creation), with who, when and why."""

    __tablename__ = "report_transitions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("missing_code_reports.id", ondelete="CASCADE"), index=True, nullable=False
    )
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    actor_label: Mapped[str] = mapped_column(String(120), nullable=False)
    at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now(), nullable=False
    )

    report: Mapped[MissingCodeReport] = relationship(back_populates="history")


class BaleConversation(FeedbackBase):
    """Where one chat stands in the report conversation, so a citizen who comes back continues."""

    __tablename__ = "bale_conversations"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    step: Mapped[str] = mapped_column(String(32), nullable=False)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now(), nullable=False
    )
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now(), nullable=False
    )


class BaleUpdate(FeedbackBase):
    """Every update Bale delivered, keyed by its update_id: a redelivered update is recognised and
    answered once."""

    __tablename__ = "bale_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    received_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now(), nullable=False
    )


class BaleOutbox(FeedbackBase):
    """A call to the Bot API waiting to be made (or made): written in the webhook's transaction,
    sent by a task, so the webhook never waits on Bale."""

    __tablename__ = "bale_outbox"
    __table_args__ = (CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    update_id: Mapped[int | None] = mapped_column(
        ForeignKey("bale_updates.update_id", ondelete="SET NULL"), index=True
    )
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(32), nullable=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), index=True, nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now(), nullable=False
    )
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
