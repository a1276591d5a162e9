"""Dashboard numbers, read from the per-day rollups only (never a scan of the responses): a scope's
totals over a period are one index range on (level, key, day) whatever the number of responses."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.rollups.models import Rollup
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


def _totals(key: str, row: Iterable[int | None]) -> Totals:
    count, *sums = (int(v or 0) for v in row)
    return Totals(key, count, (sums[0], sums[1], sums[2], sums[3]))


def sum_days(key: str, daily: list[tuple[dt.date, Totals]]) -> Totals:
    """A period's totals from its days (the same rows `list_totals_by_key` would sum again in SQL)."""
    count = sum(t.count for _day, t in daily)
    sums = tuple(sum(t.sums[q] for _day, t in daily) for q in range(4))
    return Totals(key, count, (sums[0], sums[1], sums[2], sums[3]))


def list_daily(
    session: Session, level: str, key: str, start: dt.date, end: dt.date
) -> list[tuple[dt.date, Totals]]:
    rows = session.execute(
        select(Rollup.day, Rollup.count, *SUMS)
        .where(Rollup.level == level, Rollup.key == key, Rollup.day.between(start, end))
        .order_by(Rollup.day)
    ).all()
    return [(row[0], _totals(key, row[1:])) for row in rows]


def list_totals_by_key(
    session: Session,
    level: str,
    start: dt.date,
    end: dt.date,
    keys: Iterable[str] | None = None,
    key_prefix: str = "",
) -> list[Totals]:
    """Totals of every key of a level (or of the given keys / keys under a prefix), one grouped range."""
    query = select(Rollup.key, func.sum(Rollup.count), *(func.sum(c) for c in SUMS)).where(
        Rollup.level == level, Rollup.day.between(start, end)
    )
    if keys is not None:
        query = query.where(Rollup.key.in_(list(keys)))
    if key_prefix:
        escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(Rollup.key.like(escaped + "%", escape="\\"))
    rows = session.execute(query.group_by(Rollup.key)).all()
    return [_totals(row[0], row[1:]) for row in rows]
