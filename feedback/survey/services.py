"""Taking a response: one committed row (and its rollups) or a clear refusal; never counted twice.

`submit_response` is the only writer of `responses`: the web form, the browser's resend after an
outage and the demo seed all go through it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import NotFound, ValidationError
from feedback.codes.models import ACTIVE, EmployeeCode
from feedback.registry.models import Employee
from feedback.rollups.services import apply_deltas, response_deltas
from feedback.survey.integrity import clean_comment, flag_rule
from feedback.survey.models import COUNTED, FLAGGED, REPLACED, Response

TEHRAN = zoneinfo.ZoneInfo("Asia/Tehran")
_ATTEMPTS = 4


class CodeClosed(Exception):
    """The code was replaced or its employee deactivated: it takes no responses."""


@dataclasses.dataclass(frozen=True)
class Submission:
    employee_id: int
    code_id: int
    submission_id: str
    device_hash: str
    ip_hash: str
    answers: tuple[int, int, int, int]
    comment: str | None


@dataclasses.dataclass(frozen=True)
class Outcome:
    response_id: int
    status: str
    duplicate: bool  # the same submission was already stored (a resend): nothing new was counted


def tehran_day(now: dt.datetime) -> dt.date:
    return now.astimezone(TEHRAN).date()


def parse_answers(form: dict[str, str]) -> tuple[int, int, int, int]:
    """Each of q1..q4 must be 1..5; the error names the missing or wrong questions."""
    answers, wrong = [], []
    for n in range(1, 5):
        raw = (form.get(f"q{n}") or "").strip()
        value = int(raw) if raw.isdigit() else 0
        if not 1 <= value <= 5:
            wrong.append(f"q{n}")
        answers.append(value)
    if wrong:
        raise ValidationError(
            "answer every question on the 1..5 scale", fields={name: "choose 1 to 5" for name in wrong}
        )
    return answers[0], answers[1], answers[2], answers[3]


def submit_response(session: Session, submission: Submission, now: dt.datetime | None = None) -> Outcome:
    """Store the response and its rollup changes in one transaction, then commit. Retries when a
    concurrent request from the same device won the race for the one counted slot."""
    for attempt in range(_ATTEMPTS):
        try:
            return _submit_once(session, submission, now or utcnow())
        except IntegrityError:
            session.rollback()
            existing = _by_submission_id(session, submission.submission_id)
            if existing is not None:
                return Outcome(existing.id, existing.status, duplicate=True)
            if attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _by_submission_id(session: Session, submission_id: str) -> Response | None:
    return session.scalar(select(Response).where(Response.submission_id == submission_id))


_EARLIER = (
    Response.id,
    Response.employee_id,
    Response.day,
    Response.q1,
    Response.q2,
    Response.q3,
    Response.q4,
    Response.unit,
    Response.agency_code,
    Response.province_code,
    Response.county_code,
)


def _submit_once(session: Session, s: Submission, now: dt.datetime) -> Outcome:
    """Five round trips on the common path (desk, rules, insert, rollups, commit), one more for a
    replacement. A resend of a stored submission fails the insert on `submission_id` and is answered
    from the stored row by the caller, with everything this attempt did rolled back."""
    desk = session.execute(
        select(
            EmployeeCode.status,
            Employee.active,
            Employee.unit,
            Employee.agency_code,
            Employee.province_code,
            Employee.county_code,
        )
        .join(Employee, Employee.id == EmployeeCode.employee_id)
        .where(EmployeeCode.id == s.code_id, EmployeeCode.employee_id == s.employee_id)
    ).one_or_none()
    if desk is None:
        raise NotFound("no such code")
    if desk.status != ACTIVE or not desk.active:
        stored = _by_submission_id(session, s.submission_id)
        if stored is not None:  # sent before the code closed: acknowledge the resend
            return Outcome(stored.id, stored.status, duplicate=True)
        raise CodeClosed()
    day = tehran_day(now)
    rule = flag_rule(session, s.employee_id, s.device_hash, s.ip_hash, now)
    response = Response(
        employee_id=s.employee_id,
        code_id=s.code_id,
        day=day,
        device_hash=s.device_hash,
        ip_hash=s.ip_hash,
        q1=s.answers[0],
        q2=s.answers[1],
        q3=s.answers[2],
        q4=s.answers[3],
        comment=clean_comment(s.comment),
        status=FLAGGED if rule else COUNTED,
        flag_rule=rule,
        submission_id=s.submission_id,
        unit=desk.unit,
        agency_code=desk.agency_code,
        province_code=desk.province_code,
        county_code=desk.county_code,
        created_at=now,
    )
    changes = []
    earlier = None
    if not rule:
        # The earlier answer stops counting before the new one takes its slot (partial unique index).
        earlier = session.execute(
            update(Response)
            .where(
                Response.employee_id == s.employee_id,
                Response.device_hash == s.device_hash,
                Response.day == day,
                Response.status == COUNTED,
            )
            .values(status=REPLACED)
            .returning(*_EARLIER)
            .execution_options(synchronize_session=False)
        ).one_or_none()
        if earlier is not None:
            changes.append(response_deltas(earlier, -1))
        changes.append(response_deltas(response, 1))
    columns = {c.key: getattr(response, c.key) for c in Response.__table__.columns if c.key != "id"}
    new_id = session.execute(insert(Response).values(**columns).returning(Response.id)).scalar_one()
    if earlier is not None:
        session.execute(
            update(Response)
            .where(Response.id == earlier.id)
            .values(replaced_by_id=new_id)
            .execution_options(synchronize_session=False)
        )
    apply_deltas(session, changes)
    session.commit()
    return Outcome(new_id, response.status, duplicate=False)
