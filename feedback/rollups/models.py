"""Aggregates of counted responses, shaped by the questions the dashboards ask (issue 17):

- `rollup_totals`: all-time totals of every scope at the six levels (employee up to the nation);
- `rollup_periods`: the totals of the last 1, 7, 30, 90 and 365 days (`PERIOD_DAYS`, ending on
  `rollup_state.as_of`) of every scope at the six levels: a dashboard's totals, rankings and map;
- `rollups`: day series, only at the levels whose dashboards draw a chart (`DAY_LEVELS`).

A dashboard reads a handful of rows whatever the number of responses, and the day series are
bounded per day (one row per nation, province and agency) whatever the volume."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, Date, Index, Integer, SmallInteger, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column

from feedback.db import FeedbackBase

NATION_KEY = "IR"
# the dashboards' periods and the alerts' windows, in days ending on `rollup_state.as_of`
PERIOD_DAYS = (1, 7, 30, 90, 365)
# the levels whose dashboards draw a day chart; the others read their totals from `rollup_periods`
DAY_LEVELS = ("nation", "province", "agency")


class Rollup(FeedbackBase):
    """A day of one scope at a level of `DAY_LEVELS`. Sums, not means: adding and subtracting a
    response is exact, and any score is derived on read."""

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
        # the rows a replacement emptied, deleted after each fold (the rebuild would not have them)
        Index(
            "ix_rollups_emptied", "level", postgresql_where=text("count = 0"), sqlite_where=text("count = 0")
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


class RollupTotal(FeedbackBase):
    """All-time totals of one scope. `last_day` (employee level only: the last day a response of
    theirs counted) answers the transparency page's "responded this month" without a day series."""

    __tablename__ = "rollup_totals"
    __table_args__ = (
        Index(
            "ix_rollup_totals_emptied",
            "level",
            postgresql_where=text("count = 0"),
            sqlite_where=text("count = 0"),
        ),
    )

    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(240), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sum_q1: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sum_q2: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sum_q3: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sum_q4: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    last_day: Mapped[dt.date | None] = mapped_column(Date)


class RollupPeriod(FeedbackBase):
    """The totals of one scope over the last `days` days ending on `rollup_state.as_of`. Kept by the
    fold (adds what is new) and by advancing `as_of` (subtracts the days that leave each period)."""

    __tablename__ = "rollup_periods"
    __table_args__ = (
        Index(
            "ix_rollup_periods_emptied",
            "level",
            postgresql_where=text("count = 0"),
            sqlite_where=text("count = 0"),
        ),
    )

    # (level, days, key): a ranking reads one level's keys (or a prefix of them) for one period
    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    days: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    key: Mapped[str] = mapped_column(String(240), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sum_q1: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sum_q2: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sum_q3: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    sum_q4: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


# One row (id 1): the last day of every period in `rollup_periods`. It only moves forward.
rollup_state = Table(
    "rollup_state",
    FeedbackBase.metadata,
    Column("id", Integer, primary_key=True),
    Column("as_of", Date, nullable=False),
)


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
