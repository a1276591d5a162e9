"""Coverage of the rollout, followed by the offices that do the work: per province, county, agency or
unit, the active employees the registry holds, how many have a code, how many sheets were printed,
how many were confirmed posted on the desk, the open missing-code reports, and what is left.

One grouped statement over the active employees and their active code (the same SQL on SQLite and
PostgreSQL) and one over the open reports. National registry admins see the whole registry; a
dashboard account or a place-scoped registry account sees its own scope only: its field
(province, county, agency, or agency and unit) is fixed, and a filter naming another is refused. A
unit's checklist of desks (names) is for registry accounts (a place-scoped one sees the unit's desks
in its place) and that unit's own account, who confirm that each printed sheet is up.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import Select, false, func, select, update
from sqlalchemy.orm import Session

from core import reference
from core.actors import Actor
from core.db import utcnow
from core.errors import NotAuthorized, UnknownReference, ValidationError
from feedback.accounts.policies import can_check_unit, can_view_coverage, registry_place, sees_whole_registry
from feedback.codes.models import ACTIVE, EmployeeCode
from feedback.registry.models import Employee
from feedback.registry.places import Places
from feedback.registry.queries import in_place
from feedback.reports.models import MissingCodeReport

PROVINCE, COUNTY, AGENCY, UNIT = "province", "county", "agency", "unit"
LEVELS = (PROVINCE, COUNTY, AGENCY, UNIT)
# the level shown when none is asked: one step below the narrowest filter
_NEXT = {"": PROVINCE, PROVINCE: COUNTY, COUNTY: AGENCY, AGENCY: UNIT, UNIT: UNIT}
OPEN = "open"


@dataclasses.dataclass(frozen=True)
class Filters:
    """What the view is narrowed to; empty fields do not filter. `unit` is a unit's name within
    `agency`."""

    province: str = ""
    county: str = ""
    agency: str = ""
    unit: str = ""

    def narrowest(self) -> str:
        if self.unit:
            return UNIT
        if self.agency:
            return AGENCY
        if self.county:
            return COUNTY
        return PROVINCE if self.province else ""

    def args(self) -> dict[str, str]:
        """As URL arguments (the empty ones left out)."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v}


@dataclasses.dataclass(frozen=True)
class Figures:
    employees: int = 0
    codes: int = 0
    printed: int = 0
    posted: int = 0
    # None where reports cannot be counted (they name an office, not a unit of the registry)
    open_reports: int | None = 0

    @property
    def left(self) -> int:
        """Desks still without a confirmed sheet."""
        return self.employees - self.posted

    @property
    def share(self) -> float | None:
        """Posted sheets as a percentage of active employees (None with no employees)."""
        return 100.0 * self.posted / self.employees if self.employees else None


@dataclasses.dataclass(frozen=True)
class CoverageRow:
    label: str
    code: str
    filters: Filters  # the row's own place: the link one level down
    figures: Figures


@dataclasses.dataclass(frozen=True)
class Coverage:
    filters: Filters
    level: str
    rows: list[CoverageRow]
    totals: Figures
    fixed: frozenset[str]  # the filters the account's scope holds (shown, not changeable)


def scoped_filters(actor: Actor | None, asked: Filters) -> tuple[Filters, frozenset[str]]:
    """`asked` within the actor's scope, and which fields the scope fixes; NotAuthorized for a filter
    that names another province, agency or unit than the account's own."""
    if not can_view_coverage(actor):
        raise NotAuthorized("coverage is for registry admins and dashboard accounts")
    assert actor is not None
    if sees_whole_registry(actor):
        return asked, frozenset()
    kind, value = actor.scope_kind, actor.scope_value
    if kind == COUNTY and registry_place(actor) is not None:  # a county's registry account
        return _within_county(value, asked)
    if kind == PROVINCE:
        if asked.province and asked.province != value:
            raise NotAuthorized("another province's coverage")
        return dataclasses.replace(asked, province=value), frozenset({PROVINCE})
    if kind == AGENCY:
        if asked.agency and asked.agency != value:
            raise NotAuthorized("another agency's coverage")
        return dataclasses.replace(asked, agency=value), frozenset({AGENCY})
    if kind == UNIT:
        agency, _, unit = value.partition("/")
        if (asked.agency and asked.agency != agency) or (asked.unit and asked.unit != unit):
            raise NotAuthorized("another unit's coverage")
        return dataclasses.replace(asked, agency=agency, unit=unit), frozenset({AGENCY, UNIT})
    raise NotAuthorized("no coverage for this account's scope")


def _within_county(county_code: str, asked: Filters) -> tuple[Filters, frozenset[str]]:
    """A county registry account's view: its county (and its province) fixed."""
    if asked.county and asked.county != county_code:
        raise NotAuthorized("another county's coverage")
    county = reference.counties_by_code().get(county_code)
    province = county.province_code if county else ""  # a county added locally: by its code alone
    if asked.province and province and asked.province != province:
        raise NotAuthorized("another province's coverage")
    fixed = frozenset({PROVINCE, COUNTY}) if province else frozenset({COUNTY})
    return dataclasses.replace(asked, province=province or asked.province, county=county_code), fixed


def clean_filters(session: Session, asked: Filters) -> Filters:
    """Codes as the registry writes them; an unknown province, county or agency is bad input naming
    its field, a unit without its agency too."""
    fields: dict[str, str] = {}
    places = Places(session)
    province = asked.province.strip().upper()
    if province and province not in reference.provinces_by_code():
        fields[PROVINCE] = "unknown province"
    county = asked.county.strip()
    if county and places.county_name(county) == county and county not in reference.counties_by_code():
        fields[COUNTY] = "unknown county"
    agency = asked.agency.strip().upper()
    if agency and places.agency(agency) is None:
        fields[AGENCY] = "unknown agency"
    unit = asked.unit.strip()
    if unit and not agency:
        fields[UNIT] = "a unit is named within its agency: give the agency too"
    if fields:
        raise ValidationError("; ".join(f"{k}: {v}" for k, v in fields.items()), fields=fields)
    return Filters(province=province, county=county, agency=agency, unit=unit)


def _where(statement: Select, filters: Filters) -> Select:
    if filters.province:
        statement = statement.where(Employee.province_code == filters.province)
    if filters.county:
        statement = statement.where(Employee.county_code == filters.county)
    if filters.agency:
        statement = statement.where(Employee.agency_code == filters.agency)
    if filters.unit:
        statement = statement.where(Employee.unit == filters.unit)
    return statement


_GROUPS = {
    PROVINCE: (Employee.province_code,),
    COUNTY: (Employee.province_code, Employee.county_code),
    AGENCY: (Employee.agency_code,),
    UNIT: (Employee.agency_code, Employee.unit),
}
_REPORT_GROUPS = {
    PROVINCE: (MissingCodeReport.province_code,),
    COUNTY: (MissingCodeReport.province_code, MissingCodeReport.county_code),
    AGENCY: (MissingCodeReport.agency_code,),
}


def _employee_figures(session: Session, filters: Filters, level: str) -> dict[tuple[str, ...], list[int]]:
    columns = _GROUPS[level]
    statement = (
        select(
            *columns,
            func.count(Employee.id),
            func.count(EmployeeCode.id),
            func.count(EmployeeCode.printed_at),
            func.count(EmployeeCode.posted_at),
        )
        .select_from(Employee)
        .outerjoin(EmployeeCode, (EmployeeCode.employee_id == Employee.id) & (EmployeeCode.status == ACTIVE))
        .where(Employee.active)
        .group_by(*columns)
    )
    return {
        tuple(row[: len(columns)]): list(row[len(columns) :])
        for row in session.execute(_where(statement, filters))
    }


def _open_reports(session: Session, filters: Filters, level: str) -> dict[tuple[str, ...], int] | None:
    """Open reports per group; None where they cannot be placed (a unit of the registry)."""
    if filters.unit or level == UNIT:
        return None
    columns = _REPORT_GROUPS[level]
    statement = (
        select(*columns, func.count(MissingCodeReport.id))
        .where(MissingCodeReport.status == OPEN)
        .group_by(*columns)
    )
    if filters.province:
        statement = statement.where(MissingCodeReport.province_code == filters.province)
    if filters.county:
        statement = statement.where(MissingCodeReport.county_code == filters.county)
    if filters.agency:
        statement = statement.where(MissingCodeReport.agency_code == filters.agency)
    found: dict[tuple[str, ...], int] = {}
    for *key, count in session.execute(statement):
        found[tuple(str(part) if part is not None else "" for part in key)] = int(count)
    return found


def _label(places: Places, level: str, key: tuple[str, ...], locale: str) -> str:
    code = key[-1] or ""
    found: reference.Province | reference.County | reference.AgencyRecord | None = None
    if level == PROVINCE:
        found = reference.provinces_by_code().get(code)
    elif level == COUNTY:
        found = reference.counties_by_code().get(code)
        if found is None:
            return places.county_name(code) if code else "—"
    elif level == AGENCY:
        found = reference.agencies_by_code().get(code)
    if found is None:
        return code
    return found.name_en if locale == "en" and found.name_en else found.name_fa


def _row_filters(filters: Filters, level: str, key: tuple[str, ...]) -> Filters:
    if level == PROVINCE:
        return dataclasses.replace(filters, province=key[0])
    if level == COUNTY:
        return dataclasses.replace(filters, province=key[0], county=key[1] or "")
    if level == AGENCY:
        return dataclasses.replace(filters, agency=key[0])
    return dataclasses.replace(filters, agency=key[0], unit=key[1])


def load_coverage(
    session: Session, actor: Actor | None, asked: Filters, level: str = "", locale: str = "fa"
) -> Coverage:
    filters, fixed = scoped_filters(actor, clean_filters(session, asked))
    level = level or _NEXT[filters.narrowest()]
    if level not in LEVELS:
        raise ValidationError(f"coverage is shown by {', '.join(LEVELS)}", fields={"by": "unknown level"})
    employees = _employee_figures(session, filters, level)
    reports = _open_reports(session, filters, level)
    places = Places(session)
    keys = sorted(set(employees) | set(reports or {}), key=lambda k: tuple(part or "" for part in k))
    rows = []
    for key in keys:
        employed, coded, printed, posted = employees.get(key, [0, 0, 0, 0])
        figures = Figures(
            employed, coded, printed, posted, open_reports=None if reports is None else reports.get(key, 0)
        )
        rows.append(
            CoverageRow(
                _label(places, level, key, locale), key[-1] or "", _row_filters(filters, level, key), figures
            )
        )
    totals = Figures(
        employees=sum(r.figures.employees for r in rows),
        codes=sum(r.figures.codes for r in rows),
        printed=sum(r.figures.printed for r in rows),
        posted=sum(r.figures.posted for r in rows),
        open_reports=None if reports is None else sum(reports.values()),
    )
    return Coverage(filters=filters, level=level, rows=rows, totals=totals, fixed=fixed)


def coverage_rows(coverage: Coverage) -> list[list[object]]:
    """What is on screen as rows for CSV and Excel (the totals first)."""
    header: list[object] = [
        "level",
        "code",
        "name",
        "employees",
        "codes",
        "printed",
        "posted",
        "left",
        "posted_share",
        "open_reports",
    ]

    def line(level: str, code: str, label: str, f: Figures) -> list[object]:
        share = "" if f.share is None else f"{f.share:.1f}"
        reports = "" if f.open_reports is None else f.open_reports
        return [level, code, label, f.employees, f.codes, f.printed, f.posted, f.left, share, reports]

    scope = ", ".join(f"{k}={v}" for k, v in coverage.filters.args().items()) or "nation"
    rows: list[list[object]] = [header, line("total", scope, "", coverage.totals)]
    rows += [line(coverage.level, r.code, r.label, r.figures) for r in coverage.rows]
    return rows


# -- a unit's checklist of desks ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Desk:
    employee_id: int
    name: str
    position: str
    code_id: int | None
    short_code: str
    printed: bool
    posted: bool


def _unit(session: Session, actor: Actor | None, agency: str, unit: str) -> Filters:
    filters = clean_filters(session, Filters(agency=agency, unit=unit))
    if not filters.agency:
        raise ValidationError("name the agency and the unit", fields={AGENCY: "required"})
    if not filters.unit:
        raise ValidationError("name the agency and the unit", fields={UNIT: "required"})
    if not can_check_unit(actor, filters.agency, filters.unit):
        raise NotAuthorized("a unit's desks are for registry admins and the unit's own account")
    return filters


def unit_desks(session: Session, actor: Actor | None, agency: str, unit: str) -> tuple[Filters, list[Desk]]:
    filters = _unit(session, actor, agency, unit)
    statement = (
        select(Employee, EmployeeCode)
        .outerjoin(EmployeeCode, (EmployeeCode.employee_id == Employee.id) & (EmployeeCode.status == ACTIVE))
        .where(Employee.active, Employee.agency_code == filters.agency, Employee.unit == filters.unit)
        .where(in_place(actor) if actor is not None else false())
        .order_by(Employee.last_name, Employee.first_name, Employee.id)
    )
    desks = [
        Desk(
            employee_id=e.id,
            name=e.full_name,
            position=e.position,
            code_id=c.id if c else None,
            short_code=c.short_code if c else "",
            printed=bool(c and c.printed_at),
            posted=bool(c and c.posted_at),
        )
        for e, c in session.execute(statement).all()
    ]
    return filters, desks


def confirm_posted(session: Session, actor: Actor | None, agency: str, unit: str, code_ids: list[int]) -> int:
    """The unit's officer (or a registry admin) confirms that these desks' sheets are up. Every id
    must be an active code of this unit (else 422 naming `code_ids`); confirming again changes
    nothing. Commits; returns how many were newly confirmed."""
    filters = _unit(session, actor, agency, unit)
    assert actor is not None
    if not code_ids:
        raise ValidationError("tick at least one desk", fields={"code_ids": "none chosen"})
    ids = sorted(set(code_ids))
    in_unit = select(Employee.id).where(
        Employee.active,
        Employee.agency_code == filters.agency,
        Employee.unit == filters.unit,
        in_place(actor),
    )
    found = session.scalar(
        select(func.count())
        .select_from(EmployeeCode)
        .where(EmployeeCode.id.in_(ids), EmployeeCode.status == ACTIVE, EmployeeCode.employee_id.in_(in_unit))
    )
    if found != len(ids):
        raise UnknownReference("code_ids", "code of this unit")
    newly = session.scalar(
        select(func.count())
        .select_from(EmployeeCode)
        .where(EmployeeCode.id.in_(ids), EmployeeCode.posted_at.is_(None))
    )
    session.execute(
        update(EmployeeCode)
        .where(EmployeeCode.id.in_(ids), EmployeeCode.posted_at.is_(None))
        .values(posted_at=utcnow(), posted_by=(actor.label or str(actor.role))[:120])
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return newly or 0


def mark_printed(session: Session, code_ids: list[int]) -> None:
    """The sheets of these codes were drawn by a print run (does not commit: the run's transaction)."""
    if code_ids:
        session.execute(
            update(EmployeeCode)
            .where(EmployeeCode.id.in_(code_ids))
            .values(printed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
