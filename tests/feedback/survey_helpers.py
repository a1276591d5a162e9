"""Driving the survey like a phone does: open the page (device cookie + signed form), post answers."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import delete, select

from feedback.rollups.models import Rollup, rollup_deltas
from feedback.rollups.services import fold_pending
from feedback.survey.questions import seed_questions
from feedback.survey.services import Submission
from tests.feedback.helpers import code_of, employee_row, seed_employees
from tests.fixtures.survey_load import FORM_TOKEN

ANSWERS = {"q1": "5", "q2": "4", "q3": "3", "q4": "5"}


def form_token(html: str) -> str:
    match = FORM_TOKEN.search(html)
    assert match, "the survey page has no form token"
    return match.group(1)


def seed_survey(session, tmp_path: Path, n: int) -> list[str]:
    """Employees E000001…E00000n with codes, and the default questions, committed through `session`;
    returns their codes' tokens in that order."""
    seed_employees(session, tmp_path, [employee_row(k) for k in range(1, n + 1)])
    seed_questions(session)
    return [code_of(session, f"E{k:06d}").token for k in range(1, n + 1)]


def open_and_answer(client, token: str, answers: dict[str, str] | None = None, **extra: str):
    page = client.get(f"/e/{token}")
    assert page.status_code == 200, page.text
    data = {**(answers or ANSWERS), "form_token": form_token(page.text), **extra}
    return client.post(f"/e/{token}", data=data)


def stored_rollups(session) -> dict[tuple, tuple]:
    """The rollups as every reader sees them: the pending changes folded first (PostgreSQL)."""
    fold_pending(session)
    return {
        (r.level, r.key, r.day): (r.count, r.sum_q1, r.sum_q2, r.sum_q3, r.sum_q4)
        for r in session.scalars(select(Rollup))
    }


def clear_rollups(session) -> None:
    session.execute(delete(Rollup))
    session.execute(delete(rollup_deltas))


def submission(code, device: str = "d1", ip: str = "i1", answers=(5, 4, 3, 5), comment=None) -> Submission:
    return Submission(
        employee_id=code.employee_id,
        code_id=code.id,
        submission_id=str(uuid.uuid4()),
        device_hash=device.ljust(64, "0"),
        ip_hash=ip.ljust(64, "0"),
        answers=answers,
        comment=comment,
    )
