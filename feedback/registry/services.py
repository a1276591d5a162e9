"""Registry use cases besides the import: add or edit one employee, (de)activate one, add a county.
A place-scoped registry account does each within its place only (`policies.employee_in_place`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actors import Actor
from core.errors import Conflict, NotAuthorized, ValidationError
from core.reference import find_county
from core.text import normalize_fa
from feedback.accounts.policies import (
    AGENCY,
    COUNTY,
    PROVINCE,
    can_add_county,
    can_manage_registry,
    employee_in_place,
    registry_place,
)
from feedback.audit import record
from feedback.codes.services import insert_codes, without_active_code
from feedback.registry.importer import DATA_FIELDS, check_fields
from feedback.registry.models import Employee, LocalCounty
from feedback.registry.national_code import mask
from feedback.registry.places import Places
from feedback.registry.queries import get_employee
from feedback.registry.schemas import COLUMNS, Reason


def _authorise(actor: Actor) -> None:
    if not can_manage_registry(actor):
        raise NotAuthorized("only registry admins change the registry")


def set_employee_active(session: Session, actor: Actor, employee_id: int, active: bool) -> Employee:
    """Deactivated employees keep their code row: the sheet still on a desk then says politely that
    the employee is no longer there, and takes no responses. Reactivating brings the same code back."""
    _authorise(actor)
    employee = get_employee(session, employee_id, actor)  # another place's: not found
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
    if not can_add_county(actor, province.code):
        raise NotAuthorized("counties are added by national registry admins and the province's account")
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


# The form field a place-scoped account's place fixes.
_PLACE_FIELD = {PROVINCE: "province", COUNTY: "county", AGENCY: "agency_code"}


def save_employee(
    session: Session, actor: Actor, values: Mapping[str, str], employee_id: int | None = None
) -> Employee:
    """Add one employee (`employee_id` None) or edit one, from the form: the import's checks and
    words (`importer.check_fields`), each problem naming its field; the employee's place must be the
    actor's. An added employee gets its code at once. The employment code is the employee's key: it
    is set when added and kept on edits. Kept in the audit trail (the national code masked)."""
    _authorise(actor)
    existing = get_employee(session, employee_id, actor) if employee_id is not None else None
    typed = {column: str(values.get(column) or "") for column in COLUMNS}
    if existing is not None:
        typed["employment_code"] = existing.employment_code
        if not typed["national_code"].strip():  # the form never shows it whole: empty keeps it
            typed["national_code"] = existing.national_code
    checked = check_fields(typed, Places(session))
    if isinstance(checked, tuple):
        field, reason, words = checked
        raise ValidationError(words, fields={field: reason.value})
    if not employee_in_place(actor, checked["agency_code"], checked["province_code"], checked["county_code"]):
        kind, value = registry_place(actor) or ("", "")
        raise ValidationError(
            f"outside this account's place ({kind}:{value})",
            fields={_PLACE_FIELD[kind]: Reason.outside_place.value},
        )
    if existing is None:
        return _add_employee(session, actor, checked)
    before = {f: getattr(existing, f) for f in DATA_FIELDS if getattr(existing, f) != checked[f]}
    if before:
        after = {f: checked[f] for f in before}
        if "national_code" in before:
            before["national_code"], after["national_code"] = (
                mask(before["national_code"]),
                mask(after["national_code"]),
            )
        for field in before:
            setattr(existing, field, checked[field])
        record(
            session,
            actor,
            "employee",
            existing.id,
            "updated",
            label=_label(existing),
            before=before,
            after=after,
        )
    session.commit()
    return existing


def _add_employee(session: Session, actor: Actor, checked: dict[str, Any]) -> Employee:
    taken = session.scalar(select(Employee.id).where(Employee.employment_code == checked["employment_code"]))
    if taken is not None:
        raise Conflict(
            f"employment_code {checked['employment_code']} is already registered",
            fields={"employment_code": "employment_code_taken"},
        )
    employee = Employee(**checked)
    session.add(employee)
    session.flush()
    insert_codes(session, [employee.id])
    after = {f: checked[f] for f in DATA_FIELDS} | {"national_code": mask(checked["national_code"])}
    record(session, actor, "employee", employee.id, "created", label=_label(employee), after=after)
    session.commit()
    return employee


def _label(employee: Employee) -> str:
    return f"{employee.agency_code}/{employee.employment_code}"
