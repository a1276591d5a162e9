"""Employees of the registry and the counties registry admins add between reference updates."""

from __future__ import annotations

from sqlalchemy import Boolean, Index, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from core.db import TimestampMixin
from feedback.db import FeedbackBase


class Employee(TimestampMixin, FeedbackBase):
    """One desk's employee. The national code is personal data: shown masked, never in URLs or codes.

    `import_run`/`import_line` remember which import last saw the row, so a duplicate employment code
    later in the same file is caught by the database instead of a set held in memory.
    """

    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employment_code: Mapped[str] = mapped_column(String(32), unique=True)
    national_code: Mapped[str] = mapped_column(String(10))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(6))
    position: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(200))
    # looked up by agency through ix_employees_sheet_order, whose leading column it is
    agency_code: Mapped[str] = mapped_column(String(16))
    # looked up by province through ix_employees_place_sheet_order, whose leading column it is
    province_code: Mapped[str] = mapped_column(String(8))
    county_code: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    import_run: Mapped[str | None] = mapped_column(String(32))
    import_line: Mapped[int | None] = mapped_column(Integer)

    # A print batch reads employees in this order by keyset (feedback.registry.queries.iter_sheet_rows):
    # by agency, or by county for the parts of a national run.
    __table_args__ = (
        Index("ix_employees_sheet_order", "agency_code", "unit", "last_name", "first_name", "id"),
        Index(
            "ix_employees_place_sheet_order",
            "province_code",
            "county_code",
            "agency_code",
            "unit",
            "last_name",
            "first_name",
            "id",
        ),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def desk_name(self) -> str:
        """What a citizen's pages show: enough to tell this desk from the next (the initial and the
        family name, as on a door plate), not enough to build a directory from harvested codes."""
        initial = self.first_name.strip()[:1]
        return f"{initial}. {self.last_name}" if initial else self.last_name


class LocalCounty(TimestampMixin, FeedbackBase):
    """A county created after the shipped reference list (new counties appear every year)."""

    __tablename__ = "local_counties"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name_fa: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="", server_default="")
    name_key: Mapped[str] = mapped_column(String(100))

    __table_args__ = (UniqueConstraint("province_code", "name_key", name="uq_local_counties_province_name"),)
