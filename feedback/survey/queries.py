"""Reads for the survey pages and the admin's list of flagged responses (never commit)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from feedback.registry.models import Employee
from feedback.survey.models import FLAGGED, Response

PAGE_SIZE = 50


def list_flagged(session: Session, page: int = 1) -> list[tuple[Response, Employee]]:
    """Newest first, with the employee (for the name) and the rule that flagged each."""
    rows = session.execute(
        select(Response, Employee)
        .join(Employee, Employee.id == Response.employee_id)
        .where(Response.status == FLAGGED)
        .order_by(Response.created_at.desc(), Response.id.desc())
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
    )
    return [(response, employee) for response, employee in rows]


def count_flagged(session: Session) -> int:
    total = session.scalar(select(func.count()).select_from(Response).where(Response.status == FLAGGED))
    return int(total or 0)
