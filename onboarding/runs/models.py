"""Tenant spaces, runs, their steps and their log. The database is the source of truth: a worker
only ever advances what these rows say, so a crashed worker loses nothing."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Agency
from core.db import PlatformBase, TimestampMixin, utcnow
from onboarding.inventory.models import Workload
from onboarding.plans.models import Wave


class TenantStatus(enum.StrEnum):
    provisioning = "provisioning"
    ready = "ready"


class RunStatus(enum.StrEnum):
    pending = "pending"
    running = "running"
    rolling_back = "rolling_back"
    succeeded = "succeeded"
    rolled_back = "rolled_back"  # a step failed after its retries; everything the run made is undone
    cancelled = "cancelled"  # cancelled by a person; everything the run made is undone
    failed = "failed"  # the rollback itself could not finish: an operator must look


ACTIVE_RUN_STATUSES = (RunStatus.pending, RunStatus.running, RunStatus.rolling_back)


class StepStatus(enum.StrEnum):
    pending = "pending"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    rolled_back = "rolled_back"


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=16)


class TenantSpace(TimestampMixin, PlatformBase):
    """An agency's space in the cloud (one Kubernetes namespace), sized by a cloud plan."""

    __tablename__ = "tenant_spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), unique=True)
    namespace: Mapped[str] = mapped_column(String(63), unique=True)
    cloud_plan: Mapped[str] = mapped_column(String(16))
    status: Mapped[TenantStatus] = mapped_column(_enum(TenantStatus), default=TenantStatus.provisioning)

    agency: Mapped[Agency] = relationship()


ACTIVE_SQL = "status IN ('pending', 'running', 'rolling_back')"


class Run(TimestampMixin, PlatformBase):
    __tablename__ = "migration_runs"
    __table_args__ = (
        # at most one active run per workload, even when two requests race past the service's check
        Index(
            "uq_migration_runs_active_workload",
            "workload_id",
            unique=True,
            postgresql_where=text(ACTIVE_SQL),
            sqlite_where=text(ACTIVE_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    workload_id: Mapped[int] = mapped_column(ForeignKey("workloads.id", ondelete="RESTRICT"), index=True)
    wave_id: Mapped[int | None] = mapped_column(ForeignKey("waves.id", ondelete="SET NULL"), index=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant_spaces.id", ondelete="RESTRICT"))
    backend: Mapped[str] = mapped_column(String(16))
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus), default=RunStatus.pending, index=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    workload: Mapped[Workload] = relationship()
    tenant: Mapped[TenantSpace] = relationship()
    wave: Mapped[Wave | None] = relationship()
    steps: Mapped[list[RunStep]] = relationship(
        back_populates="run", order_by=lambda: RunStep.position, cascade="all, delete-orphan"
    )
    log: Mapped[list[RunLogEntry]] = relationship(
        back_populates="run", order_by=lambda: RunLogEntry.id, cascade="all, delete-orphan"
    )

    @property
    def progress(self) -> int:
        """Per cent of steps done (forward), for the progress bar."""
        done = sum(1 for step in self.steps if step.status == StepStatus.succeeded)
        return round(100 * done / len(self.steps)) if self.steps else 0


class RunStep(PlatformBase):
    __tablename__ = "migration_run_steps"
    __table_args__ = (UniqueConstraint("run_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("migration_runs.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(32))
    status: Mapped[StepStatus] = mapped_column(_enum(StepStatus), default=StepStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    message: Mapped[str] = mapped_column(Text, default="")
    # What the step made, so the rollback undoes exactly that: {"objects": [...], "created_tenant": bool}
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    run: Mapped[Run] = relationship(back_populates="steps")


class RunLogEntry(PlatformBase):
    __tablename__ = "migration_run_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("migration_runs.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    level: Mapped[str] = mapped_column(String(8), default="info")
    step: Mapped[str] = mapped_column(String(32), default="")
    message: Mapped[str] = mapped_column(Text)

    run: Mapped[Run] = relationship(back_populates="log")
