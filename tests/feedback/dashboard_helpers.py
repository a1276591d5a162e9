"""Builders for dashboard tests: scoped viewer accounts, signed-in clients, rollup rows."""

from __future__ import annotations

import datetime as dt

from core.dates import tehran_today as today
from feedback.accounts.actors import SYSTEM
from feedback.accounts.services import create_viewer
from feedback.rollups.models import Rollup, rollup_keys
from tests.fixtures.feedback import csrf_token, fresh_address

PASSWORD = "a long enough password"
UNIT = "اداره فناوری"


def viewer_client(app, session, scope: str, email: str | None = None):
    email = email or f"{scope.replace(':', '-').replace('/', '-')}@viewer.example.ir".replace(" ", "")
    create_viewer(session, SYSTEM, email, PASSWORD, scope)
    client = app.test_client()
    address = fresh_address()
    page = client.get("/sign-in", environ_base={"REMOTE_ADDR": address})
    response = client.post(
        "/sign-in",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(page.text)},
        environ_base={"REMOTE_ADDR": address},
    )
    assert response.status_code == 302, response.text
    return client


def add_responses(
    session,
    employee_id: int,
    answers: tuple[int, int, int, int],
    count: int = 1,
    *,
    unit: str = UNIT,
    agency: str = "ITO",
    county: str = "2301",
    province: str = "IR-23",
    day: dt.date | None = None,
    commit: bool = True,
) -> None:
    """`count` identical counted responses, added to every rollup level as the survey does."""
    day = day or today()
    for level, key in rollup_keys(employee_id, unit, agency, county, province):
        row = session.get(Rollup, (level, key, day))
        if row is None:
            row = Rollup(level=level, key=key, day=day, count=0, sum_q1=0, sum_q2=0, sum_q3=0, sum_q4=0)
            session.add(row)
        row.count += count
        row.sum_q1 += answers[0] * count
        row.sum_q2 += answers[1] * count
        row.sum_q3 += answers[2] * count
        row.sum_q4 += answers[3] * count
    if commit:
        session.commit()
    else:
        session.flush()
