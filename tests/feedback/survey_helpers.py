"""Driving the survey like a phone does: open the page (device cookie + signed form), post answers."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from sqlalchemy import delete, select

from feedback.rollups.models import Rollup, RollupPeriod, RollupTotal, rollup_deltas, rollup_state
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
    """The rollups as every reader sees them: the pending changes folded first (PostgreSQL) and the
    periods advanced to today. Keys: (level, key, day) for the day series, (level, key, "total") for
    the all-time totals (their last day appended), (level, key, days) for the periods."""
    fold_pending(session)
    stored: dict[tuple, tuple] = {
        (r.level, r.key, r.day): (r.count, r.sum_q1, r.sum_q2, r.sum_q3, r.sum_q4)
        for r in session.scalars(select(Rollup))
    }
    for t in session.scalars(select(RollupTotal)):
        stored[(t.level, t.key, "total")] = (t.count, t.sum_q1, t.sum_q2, t.sum_q3, t.sum_q4, t.last_day)
    for p in session.scalars(select(RollupPeriod)):
        stored[(p.level, p.key, p.days)] = (p.count, p.sum_q1, p.sum_q2, p.sum_q3, p.sum_q4)
    return stored


def clear_rollups(session) -> None:
    for table in (
        Rollup.__table__,
        RollupTotal.__table__,
        RollupPeriod.__table__,
        rollup_deltas,
        rollup_state,
    ):
        session.execute(delete(table))


def _label_hash(label: str) -> str:
    """A 64-character hash per label, as the service stores: padding the label instead made
    "phone1" and "phone10" one device, so a burst test saw a replacement in some orders."""
    return hashlib.sha256(label.encode()).hexdigest()


def submission(code, device: str = "d1", ip: str = "i1", answers=(5, 4, 3, 5), comment=None) -> Submission:
    return Submission(
        employee_id=code.employee_id,
        code_id=code.id,
        submission_id=str(uuid.uuid4()),
        device_hash=_label_hash(device),
        ip_hash=_label_hash(ip),
        answers=answers,
        comment=comment,
    )
