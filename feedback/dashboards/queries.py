"""Dashboard numbers, read from the rollups only (never a scan of the responses): a scope's totals
over a period are one row of `rollup_periods`, a level's ranking one range of it, and a chart one
range of the day series (nation, provinces, agencies), whatever the number of responses.
An agency's offices in a province or county (`list_place_totals`) read the employees' period totals
joined to the registry, since the rollups have no agency-by-place level."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from feedback.registry.models import Employee
from feedback.rollups.models import DAY_LEVELS, Rollup, RollupPeriod, RollupTotal
from feedback.rollups.scores import score
from feedback.survey.models import COUNTED, Response

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
    count, s1, s2, s3, s4 = (int(v or 0) for v in row)  # PostgreSQL sums a bigint to a numeric
    return Totals(key, count, (s1, s2, s3, s4))


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


_READ_ONCE = "feedback.dashboards.period_levels"


@contextmanager
def period_levels_read_once(session: Session, days: int, levels: Iterable[str]) -> Iterator[None]:
    """Within the block, `period_totals` and `list_period_sums` answer for these levels' last `days`
    days from one read of `rollup_periods` made here (the scope's row, its ranking, the map and
    the league of a page are then one round trip instead of four, each a wait for the database on
    a busy server). The rows are the ones those functions would read; the block ends with the
    page's reads, so nothing is served after a later fold."""
    memo: dict[str, dict[str, Sums]] = {level: {} for level in levels}
    query = select(RollupPeriod.level, RollupPeriod.key, RollupPeriod.count, *_PERIOD_SUMS).where(
        RollupPeriod.days == days, RollupPeriod.level.in_(list(memo))
    )
    for level, key, count, s1, s2, s3, s4 in session.connection().execute(query):  # plain rows
        memo[level][key] = (count, s1, s2, s3, s4)
    session.info[_READ_ONCE] = (days, memo)
    try:
        yield
    finally:
        session.info.pop(_READ_ONCE, None)


def _read_once(session: Session, level: str, days: int) -> dict[str, Sums] | None:
    found = session.info.get(_READ_ONCE)
    if found is None or found[0] != days:
        return None
    memo: dict[str, dict[str, Sums]] = found[1]
    return memo.get(level)


def period_totals(session: Session, level: str, key: str, days: int) -> Totals:
    """One scope's totals over the last `days` days: one row."""
    memo = _read_once(session, level, days)
    if memo is not None:
        return _totals(key, memo.get(key, (0, 0, 0, 0, 0)))
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
    memo = _read_once(session, level, days)
    if memo is not None:
        wanted = memo.items() if keys is None else ((k, memo[k]) for k in dict.fromkeys(keys) if k in memo)
        if key_prefix:
            return [(key, sums) for key, sums in wanted if key.startswith(key_prefix)]
        return list(wanted)
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


def list_day_sums_by_key(
    session: Session, level: str, keys: Iterable[str] | None, start: dt.date, end: dt.date
) -> list[Totals]:
    """Each key's totals over days `start`..`end` of its day series (nation, province, agency only;
    every key of the level when `keys` is None): the period before the one shown, for the change on
    it."""
    if level not in DAY_LEVELS:
        return []
    query = (
        select(Rollup.key, func.sum(Rollup.count), *(func.sum(c) for c in SUMS))
        .where(Rollup.level == level, Rollup.day.between(start, end))
        .group_by(Rollup.key)
    )
    if keys is not None:
        query = query.where(Rollup.key.in_(list(keys)))
    return [_totals(row[0], row[1:]) for row in session.execute(query).all()]


def list_daily_summed(
    session: Session, level: str, keys: Iterable[str], start: dt.date, end: dt.date
) -> list[tuple[dt.date, Totals]]:
    """Several keys of one level summed day by day (a ministry and its organizations), one grouped
    range of the day series."""
    keys = list(keys)
    if level not in DAY_LEVELS:
        return []
    label = "+".join(keys)
    rows = session.execute(
        select(Rollup.day, func.sum(Rollup.count), *(func.sum(c) for c in SUMS))
        .where(Rollup.level == level, Rollup.key.in_(keys), Rollup.day.between(start, end))
        .group_by(Rollup.day)
        .order_by(Rollup.day)
    ).all()
    return [(row[0], _totals(label, row[1:])) for row in rows]


# What the registry says about an employee, by the names the place totals group on.
PLACE_COLUMNS = {
    "agency": Employee.agency_code,
    "province": Employee.province_code,
    "county": Employee.county_code,
    "unit": Employee.unit,
}


def _employees_where(query: Any, agency_codes: Iterable[str] | None, province: str, county: str) -> Any:
    """`query` (a select over the employees) narrowed to some agencies, a province, a county."""
    if agency_codes is not None:
        query = query.where(Employee.agency_code.in_(list(agency_codes)))
    if province:
        query = query.where(Employee.province_code == province)
    if county:
        query = query.where(Employee.county_code == county)
    return query


def list_place_totals(
    session: Session,
    days: int,
    group_by: tuple[str, ...],
    agency_codes: Iterable[str] | None = None,
    province: str = "",
    county: str = "",
) -> list[Totals]:
    """Totals over the last `days` days of the employees of some agencies (in a province or county)
    grouped by where the registry puts them: the employees' `rollup_periods` rows joined to the
    registry, one grouped read. A key joins the grouped values with "/" (so ("agency", "unit") gives
    a unit's key; () gives one row keyed ""). An agency's provincial and county offices have no
    rollup level of their own (nor a day series): this is how they are counted."""
    columns = [PLACE_COLUMNS[name] for name in group_by]
    query = select(*columns, func.sum(RollupPeriod.count), *(func.sum(c) for c in _PERIOD_SUMS)).join(
        Employee, RollupPeriod.key == cast(Employee.id, String)
    )
    query = query.where(RollupPeriod.level == "employee", RollupPeriod.days == days)
    query = _employees_where(query, agency_codes, province, county)
    if columns:
        query = query.group_by(*columns)
    rows = session.execute(query).all()
    width = len(columns)
    return [
        _totals("/".join(str(v) for v in row[:width]), row[width:]) for row in rows if row[width] is not None
    ]


def count_heard_and_registered_by_agency(
    session: Session, days: int, province: str = ""
) -> tuple[dict[str, int], dict[str, int]]:
    """Agency → how many of its registered employees had at least one counted answer in the last
    `days` days (their `rollup_periods` rows), and agency → its active employees (everyone who has,
    or should have, a code): one grouped read of the registry (one round trip for the league)."""
    heard_row = (
        select(RollupPeriod.key)
        .where(
            RollupPeriod.level == "employee",
            RollupPeriod.days == days,
            RollupPeriod.key == cast(Employee.id, String),
            RollupPeriod.count > 0,
        )
        .exists()
    )
    query = select(
        Employee.agency_code,
        func.count().filter(heard_row),
        func.count().filter(Employee.active.is_(True)),
    )
    query = _employees_where(query, None, province, "")
    heard: dict[str, int] = {}
    registered: dict[str, int] = {}
    for code, n_heard, n_registered in session.execute(query.group_by(Employee.agency_code)):
        if n_heard:
            heard[code] = int(n_heard)
        if n_registered:
            registered[code] = int(n_registered)
    return heard, registered


def last_counted_day(session: Session, where: dict[str, object]) -> dt.date | None:
    """The last day an answer about some employees counted (their all-time `rollup_totals` rows'
    `last_day`), for the scopes that keep no day series. `where` maps employee columns to a value
    or a list."""
    query = (
        select(func.max(RollupTotal.last_day))
        .select_from(RollupTotal)
        .join(Employee, RollupTotal.key == cast(Employee.id, String))
        .where(RollupTotal.level == "employee", RollupTotal.count > 0)
    )
    for name, value in where.items():
        column = getattr(Employee, name)
        query = query.where(column.in_(value) if isinstance(value, list | tuple) else column == value)
    return session.scalar(query)


def last_answer_at(session: Session, day: dt.date | None, where: dict[str, object]) -> dt.datetime | None:
    """When the scope's latest counted answer arrived: the one read of raw responses a dashboard
    makes, bounded to the last day its rollups count answers on (one monthly partition), the newest
    row by id (ids come from one sequence in arrival order, so this walks the primary key back from
    the top instead of reading the whole day's rows: its cost does not grow with a day's answers).
    For the whole nation any status counts. `where` maps response columns to a value or a list."""
    if day is None:
        return None
    query = select(Response.created_at).where(Response.day == day)
    if where:
        query = query.where(Response.status == COUNTED)
    for name, value in where.items():
        column = getattr(Response, name)
        query = query.where(column.in_(value) if isinstance(value, list | tuple) else column == value)
    return session.scalar(query.order_by(Response.id.desc()).limit(1))
