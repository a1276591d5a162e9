"""Probe targets (per-service settings and schedule), one row per probe, and the daily aggregates
kept after the raw rows expire."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import PlatformBase

DEFAULT_INTERVAL_SECONDS = 300


class ProbeTarget(PlatformBase):
    """How and when one service is probed. A row is made the first time the service comes due;
    the URL probed is the service's own (`services.public_url`), so the catalog stays the one place
    it is declared."""

    __tablename__ = "probe_targets"

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    interval_seconds: Mapped[int] = mapped_column(Integer, default=DEFAULT_INTERVAL_SECONDS)
    expect_status_class: Mapped[int] = mapped_column(SmallInteger, default=2)  # 2 → any 2xx answer
    expect_text: Mapped[str] = mapped_column(String(200), default="")
    expect_openapi: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    next_due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class ProbeResult(PlatformBase):
    """One probe: when, what came of it, the status code, latency and, when down, the error's class.
    `agency_id` is the service's, copied so agency-scoped reads need no join."""

    __tablename__ = "probe_results"
    __table_args__ = (Index("ix_probe_results_service_id_at", "service_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    up: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error_class: Mapped[str] = mapped_column(String(32), default="")
    error_detail: Mapped[str] = mapped_column(String(300), default="")
    address: Mapped[str] = mapped_column(String(64), default="")  # the address the probe was pinned to


class ProbeDaily(PlatformBase):
    """One service's probes of one (UTC) day, folded: kept beyond the raw rows' retention."""

    __tablename__ = "probe_daily"

    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    probes: Mapped[int] = mapped_column(Integer)
    up: Mapped[int] = mapped_column(Integer)
    latency_p50_ms: Mapped[float | None] = mapped_column(Float)
    latency_p95_ms: Mapped[float | None] = mapped_column(Float)


class WorkloadCheck(PlatformBase):
    """One HTTP request to a migrated workload's address (the run's smoke check, then beat's checks):
    the evidence the "joined the cloud" milestone reads when it requires evidence."""

    __tablename__ = "workload_checks"
    __table_args__ = (Index("ix_workload_checks_workload_id_at", "workload_id", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    workload_id: Mapped[int] = mapped_column(ForeignKey("workloads.id", ondelete="CASCADE"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    url: Mapped[str] = mapped_column(String(500))
    up: Mapped[bool] = mapped_column(Boolean)
    status_code: Mapped[int | None] = mapped_column(SmallInteger)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error_class: Mapped[str] = mapped_column(String(32), default="")
    error_detail: Mapped[str] = mapped_column(String(300), default="")
