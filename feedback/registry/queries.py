"""Reading the registry (never commits)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, func, or_, select, true, tuple_
from sqlalchemy.orm import Session

from core.actors import Actor
from core.dates import to_latin_digits
from core.errors import NotFound
from feedback.accounts.policies import AGENCY, COUNTY, PROVINCE, employee_in_place, registry_place
from feedback.codes.models import ACTIVE, EmployeeCode
from feedback.registry.models import Employee, LocalCounty

PAGE_SIZE = 50


def in_place(actor: Actor) -> ColumnElement[bool]:
    """The employees `actor` manages, as a WHERE clause: `policies.employee_in_place` in SQL."""
    place = registry_place(actor)
    if place is None:
        return true()
    kind, value = place
    column = {PROVINCE: Employee.province_code, COUNTY: Employee.county_code, AGENCY: Employee.agency_code}[
        kind
    ]
    return column == value


def get_employee(session: Session, employee_id: int, actor: Actor | None = None) -> Employee:
    """One employee; with `actor`, one in the actor's place, else "not found" (an employee of another
    county is not there for a county's account, so a guessed URL is a 404, never a 403 or a 500)."""
    employee = session.get(Employee, employee_id)
    if employee is None or (
        actor is not None
        and not employee_in_place(actor, employee.agency_code, employee.province_code, employee.county_code)
    ):
        raise NotFound("no such employee", employee_id=employee_id)
    return employee


def get_employee_by_code(session: Session, employment_code: str) -> Employee:
    employee = session.scalar(select(Employee).where(Employee.employment_code == employment_code.strip()))
    if employee is None:
        raise NotFound("no such employee", employment_code=employment_code)
    return employee


def _search(query: str, actor: Actor | None = None) -> Select:
    statement = select(Employee) if actor is None else select(Employee).where(in_place(actor))
    text = " ".join(query.split())
    if text:
        like = f"%{text}%"
        statement = statement.where(
            or_(
                Employee.employment_code == to_latin_digits(text),
                Employee.first_name.ilike(like),
                Employee.last_name.ilike(like),
                Employee.unit.ilike(like),
                Employee.agency_code == text.upper(),
            )
        )
    return statement


def list_employees(
    session: Session, query: str = "", page: int = 1, actor: Actor | None = None
) -> list[Employee]:
    """A page of the search's matches; with `actor`, within its place."""
    statement = (
        _search(query, actor).order_by(Employee.id).limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    return list(session.scalars(statement))


def count_employees(session: Session, query: str = "", actor: Actor | None = None) -> int:
    return session.scalar(select(func.count()).select_from(_search(query, actor).subquery())) or 0


def count_registry(session: Session, actor: Actor | None = None) -> dict[str, int]:
    """Employees, active ones, active codes: the whole registry, or with `actor` its place's."""
    place = true() if actor is None else in_place(actor)
    total = session.scalar(select(func.count()).select_from(Employee).where(place)) or 0
    active = session.scalar(select(func.count()).select_from(Employee).where(Employee.active, place)) or 0
    codes = (
        session.scalar(
            select(func.count())
            .select_from(EmployeeCode)
            .join(Employee, Employee.id == EmployeeCode.employee_id)
            .where(EmployeeCode.status == ACTIVE, place)
        )
        or 0
    )
    return {"employees": total, "active": active, "codes": codes}


def list_local_counties(session: Session) -> list[LocalCounty]:
    return list(session.scalars(select(LocalCounty).order_by(LocalCounty.province_code, LocalCounty.name_fa)))


def _sheet_rows(
    statement: Select,
    agency_code: str | None,
    unit: str | None,
    province_code: str | None,
    employment_codes: list[str] | None,
    county_code: str | None = None,
) -> Select:
    """Active employees joined to their active code, filtered by what is given (empty: no filter)."""
    statement = statement.join(
        EmployeeCode, (EmployeeCode.employee_id == Employee.id) & (EmployeeCode.status == ACTIVE)
    ).where(Employee.active)
    if agency_code:
        statement = statement.where(Employee.agency_code == agency_code)
    if unit:
        statement = statement.where(Employee.unit == unit)
    if province_code:
        statement = statement.where(Employee.province_code == province_code)
    if employment_codes is not None:
        statement = statement.where(Employee.employment_code.in_(employment_codes))
    if county_code:
        statement = statement.where(Employee.county_code == county_code)
    return statement


class SheetRow(NamedTuple):
    """What a sheet needs of an employee and their active code (plain columns: no ORM objects, which
    cost more to build than the sheet does to write)."""

    agency_code: str
    unit: str
    last_name: str
    first_name: str
    employee_id: int
    position: str
    code_id: int
    token: str
    short_code: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def iter_sheet_rows(
    session: Session,
    agency_code: str | None = None,
    unit: str | None = None,
    province_code: str | None = None,
    employment_codes: list[str] | None = None,
    chunk: int = 2000,
    county_code: str | None = None,
) -> Iterator[SheetRow]:
    """Active employees with their active code, ordered by agency, unit and name, read in chunks by keyset
    so a batch of any size is never held in memory at once."""
    order = (Employee.agency_code, Employee.unit, Employee.last_name, Employee.first_name, Employee.id)
    columns = (*order, Employee.position, EmployeeCode.id, EmployeeCode.token, EmployeeCode.short_code)
    base = _sheet_rows(select(*columns), agency_code, unit, province_code, employment_codes, county_code)
    last: tuple[str, str, str, str, int] | None = None
    while True:
        statement = base.order_by(*order).limit(chunk)
        if last is not None:
            statement = statement.where(tuple_(*order) > tuple_(*last))
        rows = [SheetRow._make(row) for row in session.execute(statement)]
        if not rows:
            return
        yield from rows
        last = rows[-1][:5]


def count_sheet_rows(
    session: Session,
    agency_code: str | None = None,
    unit: str | None = None,
    province_code: str | None = None,
    employment_codes: list[str] | None = None,
    county_code: str | None = None,
) -> int:
    statement = _sheet_rows(
        select(func.count()).select_from(Employee),
        agency_code,
        unit,
        province_code,
        employment_codes,
        county_code,
    )
    return session.scalar(statement) or 0


def sheet_counts_by_county(
    session: Session,
    agency_code: str | None = None,
    unit: str | None = None,
    province_code: str | None = None,
    employment_codes: list[str] | None = None,
    county_code: str | None = None,
) -> list[tuple[str, str, int]]:
    """(province, county, sheets) of a batch, in that order: the parts of a run split per county."""
    columns = (Employee.province_code, Employee.county_code)
    statement = _sheet_rows(
        select(*columns, func.count()).select_from(Employee),
        agency_code,
        unit,
        province_code,
        employment_codes,
        county_code,
    )
    rows = session.execute(statement.group_by(*columns).order_by(*columns))
    return [(province, county, sheets) for province, county, sheets in rows]


def get_active_code_or_none(session: Session, employee_id: int) -> EmployeeCode | None:
    return session.scalar(
        select(EmployeeCode).where(EmployeeCode.employee_id == employee_id, EmployeeCode.status == ACTIVE)
    )
