"""Dashboard numbers, read from the per-day rollups only (never a scan of the responses): a scope's
totals over a period are one index range on (level, key, day) whatever the number of responses.
An agency's offices in a province or county (`list_place_totals`) read the employee rollups joined
to the registry, since the rollups have no agency-by-place level."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from feedback.registry.models import Employee
from feedback.rollups.models import Rollup
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


def list_daily_summed(
    session: Session, level: str, keys: Iterable[str], start: dt.date, end: dt.date
) -> list[tuple[dt.date, Totals]]:
    """Several keys of one level summed day by day (a ministry and its organizations), one grouped range."""
    keys = list(keys)
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
    start: dt.date,
    end: dt.date,
    group_by: tuple[str, ...],
    agency_codes: Iterable[str] | None = None,
    province: str = "",
    county: str = "",
) -> list[Totals]:
    """Totals of the employees of some agencies (in a province or county) grouped by where the registry
    puts them: the employee rollups joined to the registry, one grouped read. A key joins the grouped
    values with "/" (so ("agency", "unit") gives a unit's key). An agency's provincial and county
    offices have no rollup level of their own: this is how they are counted."""
    columns = [PLACE_COLUMNS[name] for name in group_by]
    query = select(*columns, func.sum(Rollup.count), *(func.sum(c) for c in SUMS)).join(
        Employee, Rollup.key == cast(Employee.id, String)
    )
    query = query.where(Rollup.level == "employee", Rollup.day.between(start, end))
    query = _employees_where(query, agency_codes, province, county)
    rows = session.execute(query.group_by(*columns)).all()
    width = len(columns)
    return [_totals("/".join(str(v) for v in row[:width]), row[width:]) for row in rows]


def list_place_daily(
    session: Session,
    start: dt.date,
    end: dt.date,
    agency_codes: Iterable[str],
    province: str = "",
    county: str = "",
) -> list[tuple[dt.date, Totals]]:
    """An agency office's days: its employees' rollups summed per day."""
    query = select(Rollup.day, func.sum(Rollup.count), *(func.sum(c) for c in SUMS)).join(
        Employee, Rollup.key == cast(Employee.id, String)
    )
    query = query.where(Rollup.level == "employee", Rollup.day.between(start, end))
    query = _employees_where(query, agency_codes, province, county)
    rows = session.execute(query.group_by(Rollup.day).order_by(Rollup.day)).all()
    return [(row[0], _totals("", row[1:])) for row in rows]


def count_heard_by_agency(
    session: Session, start: dt.date, end: dt.date, province: str = ""
) -> dict[str, int]:
    """Agency → how many of its registered employees had at least one counted answer in the period."""
    query = (
        select(Employee.agency_code, func.count(func.distinct(Employee.id)))
        .join(Rollup, Rollup.key == cast(Employee.id, String))
        .where(Rollup.level == "employee", Rollup.day.between(start, end), Rollup.count > 0)
    )
    query = _employees_where(query, None, province, "")
    return {code: int(n) for code, n in session.execute(query.group_by(Employee.agency_code))}


def count_registered_by_agency(session: Session, province: str = "") -> dict[str, int]:
    """Agency → its active employees in the registry (everyone who has, or should have, a code)."""
    query = select(Employee.agency_code, func.count()).where(Employee.active.is_(True))
    query = _employees_where(query, None, province, "")
    return {code: int(n) for code, n in session.execute(query.group_by(Employee.agency_code))}


def last_answer_at(session: Session, day: dt.date | None, where: dict[str, object]) -> dt.datetime | None:
    """When the scope's latest counted answer arrived: the one read of raw responses a dashboard
    makes, bounded to the last day its rollups count answers on (the `day` index), or for the whole
    nation the newest row by primary key. `where` maps response columns to a value or a list."""
    if day is None:
        return None
    if not where:
        newest = session.scalar(select(func.max(Response.id)).where(Response.day == day))
        return session.scalar(select(Response.created_at).where(Response.id == newest)) if newest else None
    query = select(func.max(Response.created_at)).where(Response.day == day, Response.status == COUNTED)
    for name, value in where.items():
        column = getattr(Response, name)
        query = query.where(column.in_(value) if isinstance(value, list | tuple) else column == value)
    return session.scalar(query)
