"""Per-day aggregates of counted responses at six levels (employee up to the nation)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, Date, Index, Integer, SmallInteger, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from feedback.db import FeedbackBase

NATION_KEY = "IR"


class Rollup(FeedbackBase):
    """Sums, not means: adding and subtracting a response is exact, and any score is derived on read."""

    __tablename__ = "rollups"
    # Rankings and the map group one level's keys over a period: an index on (level, day) carrying
    # the sums answers them from the index alone, reading only the period's rows (the primary key,
    # led by the key, would read every day of every key of the level).
    __table_args__ = (
        Index(
            "ix_rollups_level_day",
            "level",
            "day",
            postgresql_include=["key", "count", "sum_q1", "sum_q2", "sum_q3", "sum_q4"],
        ),
    )

    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(240), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sum_q1: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sum_q2: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sum_q3: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sum_q4: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


# What a submission appends on PostgreSQL instead of upserting six rollup rows: +1 and its answers for
# a counted response, -1 and the earlier answers for the one it replaced. `feedback_fold_rollups`
# (migration 0034) sums the pending rows into `rollups` and deletes them. No key: it is only ever
# appended to and emptied whole.
rollup_deltas = Table(
    "rollup_deltas",
    FeedbackBase.metadata,
    Column("day", Date, nullable=False),
    Column("employee_id", Integer, nullable=False),
    Column("unit", String(200), nullable=False),
    Column("agency_code", String(16), nullable=False),
    Column("county_code", String(16), nullable=False),
    Column("province_code", String(8), nullable=False),
    Column("n", SmallInteger, nullable=False),
    Column("q1", SmallInteger, nullable=False),
    Column("q2", SmallInteger, nullable=False),
    Column("q3", SmallInteger, nullable=False),
    Column("q4", SmallInteger, nullable=False),
)


def unit_key(agency_code: str, unit: str) -> str:
    """A unit's rollup key (and dashboard scope value): units are named within their agency."""
    return f"{agency_code}/{unit}"


def rollup_keys(
    employee_id: int, unit: str, agency_code: str, county_code: str, province_code: str
) -> list[tuple[str, str]]:
    """The (level, key) pairs one response adds to; the key formats are part of the data contract."""
    return [
        ("employee", str(employee_id)),
        ("unit", unit_key(agency_code, unit)),
        ("agency", agency_code),
        ("county", county_code),
        ("province", province_code),
        ("nation", NATION_KEY),
    ]
