"""Dashboard numbers, read from the rollups only (never a scan of the responses): a scope's totals
over a period are one row of `rollup_periods`, a level's ranking one range of it, and a chart one
range of the day series (nation, provinces, agencies), whatever the number of responses."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.rollups.models import DAY_LEVELS, Rollup, RollupPeriod, RollupTotal
from feedback.rollups.scores import score

SUMS = (Rollup.sum_q1, Rollup.sum_q2, Rollup.sum_q3, Rollup.sum_q4)


@dataclasses.dataclass(frozen=True)
class Totals:
    key: str
    count: int
    sums: tuple[int, int, int, int]

    @property
    def score(self) -> float | None:
        return score(self.count, self.sums)

    def question_means(self) -> list[float | None]:
        """Each question's mean on 1..5."""
        return [total / self.count if self.count else None for total in self.sums]


def _totals(key: str, row: Sequence[int | None]) -> Totals:
    return Totals(key, row[0] or 0, (row[1] or 0, row[2] or 0, row[3] or 0, row[4] or 0))


def sum_days(key: str, daily: list[tuple[dt.date, Totals]]) -> Totals:
    """A period's totals from its days (the same rows `list_totals_by_key` would sum again in SQL)."""
    count = sum(t.count for _day, t in daily)
    sums = tuple(sum(t.sums[q] for _day, t in daily) for q in range(4))
    return Totals(key, count, (sums[0], sums[1], sums[2], sums[3]))


def list_daily(
    session: Session, level: str, key: str, start: dt.date, end: dt.date
) -> list[tuple[dt.date, Totals]]:
    """The scope's days (empty below the levels that keep day series: their pages draw no chart)."""
    if level not in DAY_LEVELS:
        return []
    rows = session.execute(
        select(Rollup.day, Rollup.count, *SUMS)
        .where(Rollup.level == level, Rollup.key == key, Rollup.day.between(start, end))
        .order_by(Rollup.day)
    ).all()
    return [(row[0], _totals(key, row[1:])) for row in rows]


_PERIOD_SUMS = (RollupPeriod.sum_q1, RollupPeriod.sum_q2, RollupPeriod.sum_q3, RollupPeriod.sum_q4)


def period_totals(session: Session, level: str, key: str, days: int) -> Totals:
    """One scope's totals over the last `days` days: one row."""
    row = session.execute(
        select(RollupPeriod.count, *_PERIOD_SUMS).where(
            RollupPeriod.level == level, RollupPeriod.days == days, RollupPeriod.key == key
        )
    ).one_or_none()
    return _totals(key, row or (0, 0, 0, 0, 0))


def all_time_totals(session: Session, level: str, key: str) -> Totals:
    row = session.execute(
        select(
            RollupTotal.count, RollupTotal.sum_q1, RollupTotal.sum_q2, RollupTotal.sum_q3, RollupTotal.sum_q4
        ).where(RollupTotal.level == level, RollupTotal.key == key)
    ).one_or_none()
    return _totals(key, row or (0, 0, 0, 0, 0))


Sums = tuple[int, int, int, int, int]  # count, sum_q1..sum_q4


def list_period_sums(
    session: Session,
    level: str,
    days: int,
    keys: Iterable[str] | None = None,
    key_prefix: str = "",
) -> list[tuple[str, Sums]]:
    """(key, (count, sum_q1..sum_q4)) over the last `days` days of every key of a level (or of the
    given keys / keys under a prefix): one range of `rollup_periods`' primary key, as plain tuples
    (a national ranking reads every unit of the country)."""
    query = select(RollupPeriod.key, RollupPeriod.count, *_PERIOD_SUMS).where(
        RollupPeriod.level == level, RollupPeriod.days == days
    )
    if keys is not None:
        query = query.where(RollupPeriod.key.in_(list(keys)))
    if key_prefix:
        escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(RollupPeriod.key.like(escaped + "%", escape="\\"))
    return [(row[0], (row[1], row[2], row[3], row[4], row[5])) for row in session.execute(query)]


def list_totals_by_key(
    session: Session,
    level: str,
    days: int,
    keys: Iterable[str] | None = None,
    key_prefix: str = "",
) -> list[Totals]:
    """Totals over the last `days` days of every key of a level (or of the given keys / keys under a
    prefix): one range of `rollup_periods`' primary key."""
    rows = list_period_sums(session, level, days, keys, key_prefix)
    return [Totals(key, sums[0], (sums[1], sums[2], sums[3], sums[4])) for key, sums in rows]
