"""Programs, milestones, daily compliance snapshots and the notifications agencies receive."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import PlatformBase, TimestampMixin


class Program(TimestampMixin, PlatformBase):
    """A mandate agencies are measured against, e.g. the 1403 budget law, clause C of note 7."""

    __tablename__ = "compliance_programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title_fa: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # backs the API's ETag: concurrent edits of a program give one 412, never a lost update
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook

    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="program", order_by="(Milestone.position, Milestone.deadline, Milestone.id)"
    )

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_fa


class Milestone(TimestampMixin, PlatformBase):
    """One deadline: a metric must reach a target by a date (inclusive) for the agencies in scope.

    `scope_kinds` empty means every active executive agency; otherwise only agencies of those kinds.
    """

    __tablename__ = "compliance_milestones"
    __table_args__ = (UniqueConstraint("program_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("compliance_programs.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    title_fa: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    metric: Mapped[str] = mapped_column(String(64))
    target_kind: Mapped[str] = mapped_column(String(16), default="ratio")
    target: Mapped[float] = mapped_column(Float, default=1.0)
    deadline: Mapped[dt.date] = mapped_column(Date)
    scope_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    remind_days_before: Mapped[int] = mapped_column(Integer, default=30)
    position: Mapped[int] = mapped_column(Integer, default=0)
    # With evidence required, a service (or inquiry) counts only while its probes show it answering:
    # available at least `evidence_min_availability` of the probes over the last `evidence_window_days`.
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    evidence_window_days: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    evidence_min_availability: Mapped[float] = mapped_column(Float, default=0.95, server_default="0.95")
    # backs the API's ETag: the deadlines are the law's, two concurrent edits give one 412
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook

    program: Mapped[Program] = relationship(back_populates="milestones")

    def title(self, locale: str) -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_fa


class ComplianceSnapshot(PlatformBase):
    """One agency's figure for one milestone on one day; recomputing the same day replaces it.

    `numerator`/`denominator`/`value` measure the agency's own services (its status is based on
    these); the `group_` figures add every sub-agency's, so a ministry's row also shows its whole tree.
    """

    __tablename__ = "compliance_snapshots"
    __table_args__ = (UniqueConstraint("agency_id", "milestone_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # no foreign keys (migration 0012): a national snapshot writes tens of thousands of rows, and the
    # checks cost three times the writing; only compute_snapshots writes rows, of existing agencies and
    # milestones, and services.delete_milestone deletes a milestone's figures with it
    agency_id: Mapped[int] = mapped_column(Integer)
    milestone_id: Mapped[int] = mapped_column(Integer, index=True)
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    numerator: Mapped[int] = mapped_column(Integer)
    denominator: Mapped[int] = mapped_column(Integer)
    value: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    projected: Mapped[float | None] = mapped_column(Float)
    group_numerator: Mapped[int] = mapped_column(Integer)
    group_denominator: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # Where the milestone requires evidence, `value` is the evidenced figure and these are what the
    # agency declared (the same metric without the probes), shown beside it; None otherwise.
    declared_numerator: Mapped[int | None] = mapped_column(Integer)
    declared_value: Mapped[float | None] = mapped_column(Float)

    @property
    def group_value(self) -> float | None:
        return self.group_numerator / self.group_denominator if self.group_denominator else None


class ComplianceStanding(PlatformBase):
    """One agency's row of one program's matrix on one day, written with the day's snapshots.

    It carries what the dashboard filters, searches and sorts on (the agency's names, kind, province,
    ministry as of the snapshot; its worst status and mean value for "laggards first"; a bit per status
    it has), so a page of the matrix is one indexed query that does not grow with the agencies.
    Derived data, rewritten by every snapshot (a national one drops the earlier days): no foreign keys,
    whose per-row checks would cost more than writing the rows at the size of the state.
    """

    __tablename__ = "compliance_standings"
    __table_args__ = (
        UniqueConstraint("program_id", "day", "agency_id"),
        Index("ix_compliance_standings_laggards", "program_id", "day", "laggard_key", "agency_id"),
        Index("ix_compliance_standings_name", "program_id", "day", "name_fa", "agency_id"),
        Index("ix_compliance_standings_province", "program_id", "day", "province_code", "laggard_key"),
        Index("ix_compliance_standings_ministry", "program_id", "day", "ministry_id", "laggard_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[dt.date] = mapped_column(Date)
    agency_id: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32))
    name_fa: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(Integer)
    province_code: Mapped[str | None] = mapped_column(String(8))
    ministry_id: Mapped[int | None] = mapped_column(Integer)
    ministry_name_fa: Mapped[str] = mapped_column(String(300))
    ministry_name_en: Mapped[str] = mapped_column(String(300))
    has_children: Mapped[bool] = mapped_column(Boolean)
    worst_rank: Mapped[int] = mapped_column(Integer)  # schemas.LAGGARD_ORDER index of its worst status
    mean_value: Mapped[float | None] = mapped_column(Float)  # mean of its values (None: no value)
    # "laggards first" in one indexed column: worst_rank * 10 + the mean value (5 without one)
    laggard_key: Mapped[float] = mapped_column(Float)
    status_mask: Mapped[int] = mapped_column(Integer)  # bit schemas.STATUS_BITS[status] per status it has
    search_key: Mapped[str] = mapped_column(String(700))  # catalog.queries.search_key of code and names


class ComplianceTotal(PlatformBase):
    """Agencies per status and milestone of one program on one day, for one scope: the nation (no
    ministry, no province), one ministry, or one province; the dashboard's summary reads these. The row
    with milestone id 0 and status "" counts the scope's agencies (the dashboard's total for it).
    Derived like the standings: no foreign keys; a national snapshot drops the earlier days."""

    __tablename__ = "compliance_totals"
    __table_args__ = (
        Index("ix_compliance_totals_scope", "program_id", "day", "ministry_id", "province_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[dt.date] = mapped_column(Date)
    ministry_id: Mapped[int | None] = mapped_column(Integer)
    province_code: Mapped[str | None] = mapped_column(String(8))
    milestone_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    agencies: Mapped[int] = mapped_column(Integer)


class Notification(PlatformBase):
    """A message to an agency's admins, always listed in the portal; e-mailed too when SMTP is set.

    E-mail failures keep the row `pending` with the error and attempt count, so nothing is dropped.
    """

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("agency_id", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("compliance_milestones.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    email_status: Mapped[str] = mapped_column(String(16), index=True)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_error: Mapped[str] = mapped_column(Text, default="")
    emailed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
