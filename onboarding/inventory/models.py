"""Inventory rows. Every row belongs to one agency (directly or through its workload)."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from catalog.models import Agency, EService
from core.db import PlatformBase, TimestampMixin


class DataCenterStatus(enum.StrEnum):
    active = "active"
    retiring = "retiring"
    retired = "retired"


class Classification(enum.StrEnum):
    public = "public"
    internal = "internal"
    confidential = "confidential"


class WorkloadStatus(enum.StrEnum):
    in_data_center = "in_data_center"
    migrating = "migrating"
    migrated = "migrated"


class Strategy(enum.StrEnum):
    rehost = "rehost"
    replatform = "replatform"
    refactor = "refactor"
    repurchase = "repurchase"
    retain = "retain"
    retire = "retire"


def _enum(kind: type[enum.StrEnum], length: int = 32) -> Enum:
    return Enum(kind, native_enum=False, length=length)


class DataCenter(TimestampMixin, PlatformBase):
    __tablename__ = "data_centers"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(300), default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[DataCenterStatus] = mapped_column(
        _enum(DataCenterStatus), default=DataCenterStatus.active, index=True
    )
    # what people edited last (the API's ETag); bumped by the inventory services only, so a run
    # marking the data center retired never makes an edit form stale
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)
    # capacity as the inventory records it, for the consolidation view; unknown stays empty
    servers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    racks: Mapped[int | None] = mapped_column(Integer, nullable=True)
    power_kw: Mapped[int | None] = mapped_column(Integer, nullable=True)
    yearly_cost_rials: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # when it became retired (the consolidation timeline); empty while it is not
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    agency: Mapped[Agency] = relationship()
    workloads: Mapped[list[Workload]] = relationship(back_populates="data_center")

    def set_status(self, status: DataCenterStatus, now: dt.datetime) -> None:
        """Every status change goes through here so that the retirement time stays true."""
        if status == DataCenterStatus.retired:
            if self.status != DataCenterStatus.retired or self.retired_at is None:
                self.retired_at = now
        else:
            self.retired_at = None
        self.status = status


workload_services = Table(
    "workload_services",
    PlatformBase.metadata,
    Column("workload_id", ForeignKey("workloads.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)
"""E-services a workload serves (of its own agency)."""

workload_inquiries = Table(
    "workload_inquiries",
    PlatformBase.metadata,
    Column("workload_id", ForeignKey("workloads.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)
"""Inquiries of other agencies a workload calls: they must stay reachable from the cloud."""

workload_dependencies = Table(
    "workload_dependencies",
    PlatformBase.metadata,
    Column("workload_id", ForeignKey("workloads.id", ondelete="CASCADE"), primary_key=True),
    Column("depends_on_id", ForeignKey("workloads.id", ondelete="CASCADE"), primary_key=True),
)


class Workload(TimestampMixin, PlatformBase):
    """An application running in a data center today. `components` holds the validated component
    definitions (see `onboarding.inventory.schemas.Component`)."""

    __tablename__ = "workloads"
    __table_args__ = (UniqueConstraint("agency_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    data_center_id: Mapped[int] = mapped_column(
        ForeignKey("data_centers.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(63))
    title: Mapped[str] = mapped_column(String(300), default="")
    classification: Mapped[Classification] = mapped_column(
        _enum(Classification), default=Classification.internal
    )
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[WorkloadStatus] = mapped_column(
        _enum(WorkloadStatus), default=WorkloadStatus.in_data_center, index=True
    )
    legacy_retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # what people edited last (the API's ETag); bumped by the inventory services only (a run's
    # status changes do not make an edit stale)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)

    agency: Mapped[Agency] = relationship()
    data_center: Mapped[DataCenter] = relationship(back_populates="workloads")
    services: Mapped[list[EService]] = relationship(secondary=workload_services, order_by=EService.code)
    inquiries: Mapped[list[EService]] = relationship(secondary=workload_inquiries, order_by=EService.code)
    depends_on: Mapped[list[Workload]] = relationship(
        secondary=workload_dependencies,
        primaryjoin=lambda: Workload.id == workload_dependencies.c.workload_id,
        secondaryjoin=lambda: Workload.id == workload_dependencies.c.depends_on_id,
        order_by=lambda: Workload.name,
    )
    assessment: Mapped[Assessment | None] = relationship(back_populates="workload", uselist=False)


class Assessment(TimestampMixin, PlatformBase):
    """The latest answers to the questionnaire for one workload, with what they imply."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    workload_id: Mapped[int] = mapped_column(
        ForeignKey("workloads.id", ondelete="CASCADE"), unique=True, index=True
    )
    questionnaire_version: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    score: Mapped[int] = mapped_column(Integer)
    risks: Mapped[list[str]] = mapped_column(JSON, default=list)
    recommended: Mapped[Strategy] = mapped_column(_enum(Strategy, 16))
    strategy: Mapped[Strategy] = mapped_column(_enum(Strategy, 16))
    override_reason: Mapped[str] = mapped_column(Text, default="")

    workload: Mapped[Workload] = relationship(back_populates="assessment")
