"""Issuing, reissuing and resolving desk codes.

A token is `secrets.token_urlsafe(24)`: 192 random bits, URL-safe, nothing personal inside. The
unique indexes make a collision impossible to store; one is retried with fresh randomness.
"""

from __future__ import annotations

import dataclasses
import enum
import secrets
from collections.abc import Callable

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from core.actors import Actor
from core.db import utcnow
from core.errors import NotAuthorized, NotFound
from feedback.accounts.policies import can_manage_registry
from feedback.audit import record
from feedback.codes import short_codes
from feedback.codes.models import ACTIVE, REPLACED, EmployeeCode
from feedback.registry.models import Employee
from feedback.registry.queries import get_active_code_or_none, get_employee
from feedback.registry.upsert import dialect_insert

TOKEN_BYTES = 24
MAX_ATTEMPTS = 5
# Correlated to the enclosing SELECT over Employee.
_HAS_ACTIVE_CODE = exists().where(EmployeeCode.employee_id == Employee.id, EmployeeCode.status == ACTIVE)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def insert_codes(session: Session, employee_ids: list[int], tokens: Callable[[], str] = new_token) -> None:
    """Insert one active code per employee; rows lost to a (practically impossible) collision on
    token or short code are retried with new random values. Does not commit. `tokens` is the source
    of tokens, as `now` is elsewhere the source of time: a test hands one that collides once."""
    pending = list(employee_ids)
    for _attempt in range(MAX_ATTEMPTS):
        if not pending:
            return
        now = utcnow()
        rows = [
            {
                "employee_id": employee_id,
                "token": tokens(),
                "short_code": short_codes.new_short_code(),
                "status": ACTIVE,
                "issued_at": now,
            }
            for employee_id in pending
        ]
        for start in range(0, len(rows), 1000):
            chunk = rows[start : start + 1000]
            session.execute(
                dialect_insert(session, EmployeeCode.__table__).values(chunk).on_conflict_do_nothing()
            )
        pending = without_active_code(session, pending)
    if pending:
        raise RuntimeError(f"could not issue unique codes for {len(pending)} employees")


def without_active_code(session: Session, employee_ids: list[int]) -> list[int]:
    return list(session.scalars(select(Employee.id).where(Employee.id.in_(employee_ids), ~_HAS_ACTIVE_CODE)))


def issue_missing_codes(session: Session, employment_codes: list[str]) -> int:
    """Give every listed employee without an active code one (new employees after an import).
    Does not commit: the import commits its batch once."""
    ids = list(
        session.scalars(
            select(Employee.id).where(Employee.employment_code.in_(employment_codes), ~_HAS_ACTIVE_CODE)
        )
    )
    insert_codes(session, ids)
    return len(ids)


def reissue_code(session: Session, actor: Actor, employee_id: int) -> EmployeeCode:
    """A lost or leaked sheet: the old token then answers "this code was replaced"."""
    if not can_manage_registry(actor):
        raise NotAuthorized("only registry admins reissue codes")
    employee = get_employee(session, employee_id, actor)  # outside the actor's place: not found
    old = get_active_code_or_none(session, employee_id)
    session.execute(
        update(EmployeeCode)
        .where(EmployeeCode.employee_id == employee_id, EmployeeCode.status == ACTIVE)
        .values(status=REPLACED, replaced_at=utcnow())
    )
    session.flush()
    insert_codes(session, [employee_id])
    new = active_code(session, employee_id)
    record(  # the codes' ids, never their tokens
        session,
        actor,
        "employee",
        employee_id,
        "code_reissued",
        label=f"{employee.agency_code}/{employee.employment_code}",
        before={"code_id": old.id if old else None},
        after={"code_id": new.id},
    )
    session.commit()
    return new


def active_code(session: Session, employee_id: int) -> EmployeeCode:
    code = get_active_code_or_none(session, employee_id)
    if code is None:
        raise NotFound("this employee has no active code", employee_id=employee_id)
    return code


class ScanState(enum.StrEnum):
    open = "open"  # the employee is at this desk: part 2 takes responses here
    inactive = "inactive"  # deactivated: "no longer at this desk", no responses
    replaced = "replaced"  # a newer code was issued: "this code was replaced", no responses


@dataclasses.dataclass(frozen=True)
class Scan:
    state: ScanState
    employee: Employee
    code_id: int

    @property
    def takes_responses(self) -> bool:
        return self.state == ScanState.open


def resolve_token(session: Session, token: str) -> Scan:
    """What a scanned QR shows. Unknown tokens are NotFound (a plain 404, no hint of the space)."""
    if not token or len(token) > 64:
        raise NotFound("no such code")
    code = session.scalar(select(EmployeeCode).where(EmployeeCode.token == token))
    if code is None:
        raise NotFound("no such code")
    if code.status == REPLACED:
        return Scan(ScanState.replaced, code.employee, code.id)
    if not code.employee.active:
        return Scan(ScanState.inactive, code.employee, code.id)
    return Scan(ScanState.open, code.employee, code.id)


def token_for_short_code(session: Session, typed: str) -> str:
    """The typed short code's token (to redirect to its page). Only active codes answer: a replaced
    sheet's short code is as dead as its QR would be, so it gives the same "not found"."""
    code = short_codes.normalize(typed)
    if not short_codes.is_well_formed(code):
        raise NotFound("not a valid short code")
    token = session.scalar(
        select(EmployeeCode.token).where(EmployeeCode.short_code == code, EmployeeCode.status == ACTIVE)
    )
    if token is None:
        raise NotFound("no such code")
    return token
