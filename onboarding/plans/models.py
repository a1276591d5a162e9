"""Plans, waves and the workloads scheduled in them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Agency
from core.db import PlatformBase, TimestampMixin
from onboarding.inventory.models import Workload


class MigrationPlan(TimestampMixin, PlatformBase):
    __tablename__ = "migration_plans"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    cloud_plan: Mapped[str] = mapped_column(String(16))

    agency: Mapped[Agency] = relationship()
    waves: Mapped[list[Wave]] = relationship(
        back_populates="plan", order_by=lambda: Wave.number, cascade="all, delete-orphan"
    )


class Wave(TimestampMixin, PlatformBase):
    __tablename__ = "waves"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("migration_plans.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    target_date: Mapped[dt.date | None] = mapped_column(Date)

    plan: Mapped[MigrationPlan] = relationship(back_populates="waves")
    entries: Mapped[list[WaveEntry]] = relationship(
        back_populates="wave", cascade="all, delete-orphan", order_by=lambda: WaveEntry.id
    )


class WaveEntry(PlatformBase):
    """A workload scheduled in a wave, with the plan's reason for putting it there."""

    __tablename__ = "wave_entries"
    __table_args__ = (UniqueConstraint("plan_id", "workload_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("migration_plans.id", ondelete="CASCADE"), index=True)
    wave_id: Mapped[int] = mapped_column(ForeignKey("waves.id", ondelete="CASCADE"), index=True)
    workload_id: Mapped[int] = mapped_column(ForeignKey("workloads.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")

    wave: Mapped[Wave] = relationship(back_populates="entries")
    workload: Mapped[Workload] = relationship()
