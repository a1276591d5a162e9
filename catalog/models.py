"""Catalog models. Agencies are the unit of ownership: every agency-owned row points at one."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    event,
    false,
    func,
    inspect,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from core.audit import AuditEventColumns
from core.db import PlatformBase, TimestampMixin, utcnow


class BilingualNameMixin:
    """`name(locale)` of a row with `name_fa` and `name_en`: English when asked and given, else Persian."""

    name_fa: str
    name_en: str

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_fa


# Byte order ("C") on PostgreSQL, as SQLite's default BINARY compares, so the range of a path prefix
# is the subtree whatever the database's collation.
PATH_TYPE = String(255).with_variant(String(255, collation="C"), "postgresql")


class AgencyKind(enum.StrEnum):
    ministry = "ministry"
    organization = "organization"
    provincial_office = "provincial_office"
    county_office = "county_office"
    other = "other"


class Agency(BilingualNameMixin, TimestampMixin, PlatformBase):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_fa: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[AgencyKind] = mapped_column(Enum(AgencyKind, native_enum=False, length=32))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    province_code: Mapped[str | None] = mapped_column(String(8))
    county_code: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # backs the API's ETag (optimistic locking), as on services
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook
    # set once an operator adds or changes the agency: re-seeding the reference list never undoes it
    operator_managed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # the materialised path of ids from the top-level agency down to this one, "/12/345/6789/": "this
    # agency and its sub-agencies" is one indexed range (catalog.tree); kept by the events below
    path: Mapped[str] = mapped_column(PATH_TYPE, default="", server_default="", index=True)

    parent: Mapped[Agency | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Agency]] = relationship(back_populates="parent")


def path_upper_bound(path: Any) -> Any:
    """Past every path that starts with `path` (a Python string or a SQL expression): ids are digits,
    and ':' follows '9', so [path, path + ':') is exactly the subtree."""
    return path + ":" if isinstance(path, str) else path.concat(":")


def _agencies() -> Table:
    table = Agency.__table__
    assert isinstance(table, Table)
    return table


def _parent_path(connection: Connection, parent_id: int | None) -> str:
    if parent_id is None:
        return "/"
    table = _agencies()
    return connection.scalar(select(table.c.path).where(table.c.id == parent_id)) or "/"


@event.listens_for(Agency, "after_insert")
def _path_on_insert(mapper: Any, connection: Connection, agency: Agency) -> None:
    """A new agency's path is its parent's and its own id (known only once inserted)."""
    path = f"{_parent_path(connection, agency.parent_id)}{agency.id}/"
    table = _agencies()
    connection.execute(update(table).where(table.c.id == agency.id).values(path=path))
    set_committed_value(agency, "path", path)


@event.listens_for(Agency, "after_update")
def _path_on_move(mapper: Any, connection: Connection, agency: Agency) -> None:
    """A moved agency takes its subtree along: one UPDATE rewrites the prefix of every path in it."""
    if not inspect(agency).attrs.parent_id.history.has_changes():
        return
    table = _agencies()
    old = connection.scalar(select(table.c.path).where(table.c.id == agency.id))
    new = f"{_parent_path(connection, agency.parent_id)}{agency.id}/"
    if not old or old == new:
        return
    connection.execute(
        update(table)
        .where(table.c.path >= old, table.c.path < path_upper_bound(old))
        .values(path=literal(new) + func.substr(table.c.path, len(old) + 1))
    )
    set_committed_value(agency, "path", new)


class ServiceKind(enum.StrEnum):
    service = "service"  # for citizens and businesses
    inquiry = "inquiry"  # استعلام: answered by one agency for others


class ServiceStatus(enum.StrEnum):
    draft = "draft"
    active = "active"
    retired = "retired"


class Channel(enum.StrEnum):
    in_person = "in_person"
    web = "web"
    mobile_app = "mobile_app"
    kiosk = "kiosk"
    api = "api"


class Audience(enum.StrEnum):
    citizens = "citizens"
    businesses = "businesses"
    government = "government"


# Maturity levels (0-4) as the mandate defines them; shown beside the field in every form.
MATURITY_LEVELS = {
    0: "in person only",
    1: "information online",
    2: "partly electronic",
    3: "fully electronic end to end",
    4: "smart: proactive or automated, no office visit and no human step",
}
ELECTRONIC_MATURITY = 3
SMART_MATURITY = 4


class EService(BilingualNameMixin, TimestampMixin, PlatformBase):
    """An e-service or inquiry of one agency. `version` backs the API's ETag (optimistic locking)."""

    __tablename__ = "services"
    __table_args__ = (
        UniqueConstraint("agency_id", "code"),
        CheckConstraint("maturity BETWEEN 0 AND 4", name="maturity_range"),
        # pages of the service list are found on this index alone (catalog.queries.list_services)
        Index("ix_services_agency_id_code_id", "agency_id", "code", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name_fa: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[ServiceKind] = mapped_column(Enum(ServiceKind, native_enum=False, length=16), index=True)
    audience: Mapped[Audience] = mapped_column(Enum(Audience, native_enum=False, length=16))
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    maturity: Mapped[int] = mapped_column(SmallInteger, index=True)
    online_m2m: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    yearly_volume: Mapped[int | None] = mapped_column(BigInteger)
    public_url: Mapped[str] = mapped_column(String(500), default="")
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    owner_email: Mapped[str] = mapped_column(String(200), default="")
    owner_phone: Mapped[str] = mapped_column(String(50), default="")
    status: Mapped[ServiceStatus] = mapped_column(
        Enum(ServiceStatus, native_enum=False, length=16), default=ServiceStatus.draft, index=True
    )
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declarative hook
    # code and names after Persian normalization (core.text.normalize_fa), for search
    search_key: Mapped[str] = mapped_column(String(700), default="", server_default="")

    agency: Mapped[Agency] = relationship()


class ServiceChange(PlatformBase):
    """One entry of a service's history. Append-only: written in the same transaction as the change,
    never updated or deleted (the database refuses both), so the history can be trusted."""

    __tablename__ = "service_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="RESTRICT"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    action: Mapped[str] = mapped_column(String(16))  # created, updated, retired
    via: Mapped[str] = mapped_column(String(16), default="")  # page, api, descriptor, cli
    changes: Mapped[dict[str, list[object]]] = mapped_column(JSON, default=dict)  # field -> [old, new]
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class TenantServiceStatus(enum.StrEnum):
    active = "active"
    suspended = "suspended"
    retired = "retired"


class TenantService(BilingualNameMixin, TimestampMixin, PlatformBase):
    """A service hosted on the shared cloud for one agency (the cloud's tenants, first the
    employee-feedback system). It names the Helm chart it is deployed with and the inventory
    workload whose migration run put it there; the run's state is the tenant's status."""

    __tablename__ = "tenant_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(63), unique=True)
    name_fa: Mapped[str] = mapped_column(String(300))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    public_url: Mapped[str] = mapped_column(String(500))
    chart: Mapped[str] = mapped_column(String(200), default="")
    # the inventory workload (onboarding) deployed for it; a name-free link, so catalog imports nothing
    workload_id: Mapped[int | None] = mapped_column(ForeignKey("workloads.id", ondelete="SET NULL"))
    # active (served), suspended (kept, not served: its people are told), retired (gone for good)
    status: Mapped[TenantServiceStatus] = mapped_column(
        Enum(TenantServiceStatus, native_enum=False, length=16),
        default=TenantServiceStatus.active,
        server_default="active",
    )

    agency: Mapped[Agency] = relationship()


class AuditEvent(AuditEventColumns, PlatformBase):
    """One entry of the platform's audit trail (`core.audit` has the columns and rules both
    deployables share). Append-only like the service history (the database refuses UPDATE and
    DELETE, platform migration 0015), and written in the same transaction as the change it records
    (`catalog.trail.record`)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_resource_resource_id", "resource", "resource_id"),)
