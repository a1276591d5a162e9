"""Catalog models. Agencies are the unit of ownership: every agency-owned row points at one."""

from __future__ import annotations

import enum

from sqlalchemy import Boolean, Enum, ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import PlatformBase, TimestampMixin


class AgencyKind(enum.StrEnum):
    ministry = "ministry"
    organization = "organization"
    provincial_office = "provincial_office"
    county_office = "county_office"
    other = "other"


class Agency(TimestampMixin, PlatformBase):
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

    parent: Mapped[Agency | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Agency]] = relationship(back_populates="parent")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_fa
