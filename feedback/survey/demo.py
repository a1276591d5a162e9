"""Demo responses for the demo employees, sent through `submit_response` like any phone's, so the
dashboards of the embedded demo have a month of data. Idempotent: every demo response has a fixed
submission id, and the ones already stored are not sent again."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import utcnow
from feedback.codes.models import ACTIVE, EmployeeCode
from feedback.registry.models import Employee
from feedback.survey.models import Response
from feedback.survey.services import Submission, submit_response

DEMO_NAMESPACE = uuid.UUID("6f1c7a52-3f0e-4c55-9a55-0c9d3b1f8e08")
DAYS = 30


def _answer(rng: random.Random, leaning: int) -> int:
    """One answer from 1 to 5 near the desk's leaning."""
    return max(1, min(5, leaning + rng.choice((-1, 0, 0, 1))))


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def seed_demo_responses(session: Session, employment_prefix: str = "DEMO-", per_employee: int = 8) -> int:
    """Returns how many responses were added (0 the second time)."""
    desks = session.execute(
        select(Employee.id, Employee.employment_code, EmployeeCode.id)
        .join(EmployeeCode, EmployeeCode.employee_id == Employee.id)
        .where(Employee.employment_code.startswith(employment_prefix), EmployeeCode.status == ACTIVE)
        .order_by(Employee.id)
    ).all()
    planned = []
    for employee_id, employment_code, code_id in desks:
        rng = random.Random(employment_code)
        leaning = rng.randint(2, 5)  # some desks serve better than others
        for n in range(per_employee):
            submission_id = str(uuid.uuid5(DEMO_NAMESPACE, f"{employment_code}/{n}"))
            q1, q2, q3, q4 = (_answer(rng, leaning) for _ in range(4))
            planned.append((employee_id, code_id, submission_id, (q1, q2, q3, q4), rng.randrange(DAYS)))
    stored = set(
        session.scalars(
            select(Response.submission_id).where(Response.submission_id.in_([p[2] for p in planned]))
        )
    )
    today = utcnow().replace(hour=8, minute=0, second=0, microsecond=0)
    added = 0
    for employee_id, code_id, submission_id, answers, days_ago in planned:
        if submission_id in stored:
            continue
        submission = Submission(
            employee_id=employee_id,
            code_id=code_id,
            submission_id=submission_id,
            device_hash=_hash("demo-device/" + submission_id),
            ip_hash=_hash("demo-ip/" + submission_id),
            answers=answers,
            comment=None,
        )
        submit_response(session, submission, now=today - dt.timedelta(days=days_ago))
        added += 1
    return added
