"""Codes on the desks: a random bearer token for the QR and a short numeric code for typing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import utcnow
from feedback.db import FeedbackBase
from feedback.registry.models import Employee

ACTIVE = "active"
REPLACED = "replaced"


class EmployeeCode(FeedbackBase):
    """Tokens are stored as issued (they are looked up on every scan) and never logged; a reissued
    code stays as a row in state `replaced` so its QR can say so instead of "not found"."""

    __tablename__ = "employee_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    short_code: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=ACTIVE, server_default=ACTIVE)
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    replaced_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The coverage view's steps after issuing: the sheet printed (last print run that drew it), and
    # its posting on the desk confirmed by the unit's officer or a registry admin (who, when).
    printed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    posted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    posted_by: Mapped[str | None] = mapped_column(String(120))

    employee: Mapped[Employee] = relationship(lazy="joined")

    __table_args__ = (
        Index(
            "uq_employee_codes_one_active",
            "employee_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
    )
