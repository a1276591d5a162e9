"""Registry use cases besides the import: (de)activate an employee, add a county."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actors import Actor
from core.errors import Conflict, NotAuthorized, NotFound, ValidationError
from core.reference import find_county
from core.text import normalize_fa
from feedback.accounts.policies import can_manage_registry
from feedback.audit import record
from feedback.codes.services import insert_codes, without_active_code
from feedback.registry.models import Employee, LocalCounty
from feedback.registry.places import Places


def _authorise(actor: Actor) -> None:
    if not can_manage_registry(actor):
        raise NotAuthorized("only registry admins change the registry")


def set_employee_active(session: Session, actor: Actor, employee_id: int, active: bool) -> Employee:
    """Deactivated employees keep their code row: the sheet still on a desk then says politely that
    the employee is no longer there, and takes no responses. Reactivating brings the same code back."""
    _authorise(actor)
    employee = session.get(Employee, employee_id)
    if employee is None:
        raise NotFound("no such employee", employee_id=employee_id)
    if employee.active != active:
        record(
            session,
            actor,
            "employee",
            employee.id,
            "activated" if active else "deactivated",
            label=f"{employee.agency_code}/{employee.employment_code}",
            before={"active": employee.active},
            after={"active": active},
        )
    employee.active = active
    if active:
        session.flush()
        insert_codes(session, without_active_code(session, [employee_id]))
    session.commit()
    return employee


def add_county(
    session: Session, actor: Actor, province_name: str, name_fa: str, name_en: str = ""
) -> LocalCounty:
    """A county newer than the shipped reference list; imports accept it from then on."""
    _authorise(actor)
    places = Places(session)
    province = places.province(province_name)
    if province is None:
        raise ValidationError(f"unknown province {province_name!r}", fields={"province": "unknown_province"})
    name_fa = " ".join(name_fa.split())
    if not name_fa:
        raise ValidationError("the county needs a name", fields={"name_fa": "required"})
    if find_county(province.code, name_fa) or (name_en and find_county(province.code, name_en)):
        raise Conflict(f"{name_fa} is already a county of {province.name_en}", fields={"name_fa": "exists"})
    key = normalize_fa(name_fa)
    duplicate = session.scalar(
        select(LocalCounty).where(LocalCounty.province_code == province.code, LocalCounty.name_key == key)
    )
    if duplicate is not None:
        raise Conflict(f"{name_fa} was already added to {province.name_en}", fields={"name_fa": "exists"})
    number = (session.scalar(select(func.count()).select_from(LocalCounty)) or 0) + 1
    county = LocalCounty(
        province_code=province.code,
        code=f"L{number:04d}",
        name_fa=name_fa,
        name_en=name_en.strip(),
        name_key=key,
    )
    session.add(county)
    session.flush()
    record(
        session,
        actor,
        "county",
        county.id,
        "created",
        label=name_fa,
        after={"province_code": county.province_code, "code": county.code, "name_fa": name_fa},
    )
    session.commit()
    return county
