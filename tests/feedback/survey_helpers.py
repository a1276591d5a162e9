"""Driving the survey like a phone does: open the page (device cookie + signed form), post answers."""

from __future__ import annotations

import re
import uuid

from feedback.survey.services import Submission

ANSWERS = {"q1": "5", "q2": "4", "q3": "3", "q4": "5"}


def form_token(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, "the survey page has no form token"
    return match.group(1)


def open_and_answer(client, token: str, answers: dict[str, str] | None = None, **extra: str):
    page = client.get(f"/e/{token}")
    assert page.status_code == 200, page.text
    data = {**(answers or ANSWERS), "form_token": form_token(page.text), **extra}
    return client.post(f"/e/{token}", data=data)


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
