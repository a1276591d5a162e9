"""The public transparency figures: aggregates per agency and province (only those with at least
the minimum number of responses), and each agency's coverage: the share of its active employees
with an active code, the share with a response this (Jalali) month, and its open missing-code
reports. Nothing here names a person, a unit or a county."""

from __future__ import annotations

import dataclasses
import datetime as dt

import jdatetime
from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session

from core import reference
from core.dates import tehran_today
from feedback.codes.models import ACTIVE, EmployeeCode
from feedback.dashboards import queries
from feedback.dashboards.scopes import AGENCY, PROVINCE
from feedback.dashboards.services import period
from feedback.registry.models import Employee
from feedback.reports.queries import count_open_reports_by_agency
from feedback.rollups.models import RollupTotal
from feedback.rollups.services import fold_pending

PERIOD_DAYS = 30


@dataclasses.dataclass(frozen=True)
class PublicRow:
    kind: str
    code: str
    name_fa: str
    name_en: str
    count: int
    score: float | None
    employees: int | None = None
    with_code: float | None = None
    responded: float | None = None
    open_reports: int | None = None


@dataclasses.dataclass(frozen=True)
class Transparency:
    start: dt.date
    end: dt.date
    month_start: dt.date
    min_responses: int
    agencies: list[PublicRow]
    provinces: list[PublicRow]

    def rows(self) -> list[PublicRow]:
        return self.agencies + self.provinces


def jalali_month_start(day: dt.date) -> dt.date:
    return jdatetime.date.fromgregorian(date=day).replace(day=1).togregorian()


def _coverage(session: Session, month_start: dt.date) -> dict[str, tuple[int, int, int]]:
    """agency → (active employees, with an active code, with a response since month_start)."""
    # an employee has at most one active code (uq_employee_codes_one_active): one row per employee
    employees_and_coded = session.execute(
        select(Employee.agency_code, func.count(), func.count(EmployeeCode.id))
        .outerjoin(EmployeeCode, (EmployeeCode.employee_id == Employee.id) & (EmployeeCode.status == ACTIVE))
        .where(Employee.active)
        .group_by(Employee.agency_code)
    ).all()
    responded = dict(
        session.execute(
            select(Employee.agency_code, func.count(func.distinct(Employee.id)))
            .join(
                RollupTotal,
                (RollupTotal.level == "employee") & (RollupTotal.key == cast(Employee.id, String)),
            )
            .where(Employee.active, RollupTotal.last_day >= month_start)
            .group_by(Employee.agency_code)
        ).all()
    )
    return {code: (n, coded, responded.get(code, 0)) for code, n, coded in employees_and_coded}


def load_transparency(session: Session, min_responses: int) -> Transparency:
    _days, start, end = period(PERIOD_DAYS)
    fold_pending(session, end)
    month_start = jalali_month_start(tehran_today())
    agencies, provinces = reference.agencies_by_code(), reference.provinces_by_code()
    totals = {t.key: t for t in queries.list_totals_by_key(session, AGENCY, PERIOD_DAYS)}
    coverage = _coverage(session, month_start)
    reports = count_open_reports_by_agency(session)
    agency_rows = []
    for code in sorted(set(totals) | set(coverage) | set(reports)):
        if code not in agencies:
            continue
        t = totals.get(code)
        enough = t is not None and t.count >= min_responses
        n, coded, responded = coverage.get(code, (0, 0, 0))
        agency_rows.append(
            PublicRow(
                AGENCY,
                code,
                agencies[code].name_fa,
                agencies[code].name_en,
                t.count if enough and t else 0,
                t.score if enough and t else None,
                n,
                coded / n if n else None,
                responded / n if n else None,
                reports.get(code, 0),
            )
        )
    province_rows = [
        PublicRow(PROVINCE, t.key, provinces[t.key].name_fa, provinces[t.key].name_en, t.count, t.score)
        for t in sorted(queries.list_totals_by_key(session, PROVINCE, PERIOD_DAYS), key=lambda t: t.key)
        if t.key in provinces and t.count >= min_responses
    ]
    return Transparency(start, end, month_start, min_responses, agency_rows, province_rows)


def as_records(data: Transparency) -> list[dict[str, object]]:
    """The open download rows (CSV and JSON share them)."""
    out = []
    for row in data.rows():
        record = dataclasses.asdict(row)
        record["score"] = None if row.score is None else round(row.score, 1)
        for share in ("with_code", "responded"):
            record[share] = None if record[share] is None else round(record[share], 3)
        record["period_start"], record["period_end"] = data.start.isoformat(), data.end.isoformat()
        out.append(record)
    return out
