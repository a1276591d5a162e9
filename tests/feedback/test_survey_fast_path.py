"""The survey's fast path (WSGI, in front of Flask) answers every request exactly as the Flask route
would: the same pages, headers, rows and rollups, whether it takes the request or hands it over;
and a request it counted against the limits is not counted again by the route."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select, update

from core import web
from core.db import make_sessionmaker
from feedback.registry.models import Employee
from feedback.survey.models import Response
from tests.feedback.survey_helpers import ANSWERS, clear_rollups, form_token, seed_survey, stored_rollups
from tests.fixtures.feedback import fresh_address

FORM_TOKEN = re.compile(rb'name="form_token" value="[^"]*"')
EXPIRES = re.compile(r"Expires=[^;]*; ")  # a cookie's expiry date moves with the clock; Max-Age stays
COMPARED_HEADERS = (
    "Content-Type",
    "Content-Length",
    "Cache-Control",
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Set-Cookie",
    "Retry-After",
)


@pytest.fixture
def world(settings, committed_feedback, tmp_path):
    """A live app on a committed database (the fast path needs an engine, not a test's savepoint)."""
    from feedback.web.app import create_app

    session_factory = make_sessionmaker(committed_feedback)
    with session_factory() as session:
        tokens = seed_survey(session, tmp_path, 4)
    return create_app(settings), session_factory, tokens


def _phone(app, lang: str | None = None):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = fresh_address()
    client.set_cookie("fb_device", f"phone-{uuid.uuid4().hex}")
    if lang:
        client.set_cookie("lang", lang)
    return client


def _scenario(app, session_factory, tokens) -> list[tuple]:
    """One of each case the fast path takes or hands over, answered by `app` as it is set up."""
    seen = []

    def record(answer) -> None:
        headers = tuple(
            (name, EXPIRES.sub("", answer.headers.get(name) or ""))
            for name in COMPARED_HEADERS
            if name != "Content-Length"
        )
        body = FORM_TOKEN.sub(b'name="form_token" value="-"', answer.data)  # each run opens its own forms
        seen.append((answer.status_code, body, headers))

    phone = _phone(app)
    signed = form_token(phone.get(f"/e/{tokens[0]}").text)
    record(phone.post(f"/e/{tokens[0]}", data={**ANSWERS, "form_token": signed}))  # taken
    record(phone.post(f"/e/{tokens[0]}", data={**ANSWERS, "form_token": signed}))  # a resend
    again = form_token(phone.get(f"/e/{tokens[0]}").text)
    record(phone.post(f"/e/{tokens[0]}", data={**ANSWERS, "q2": "1", "form_token": again}))  # replaces
    record(phone.post(f"/e/{tokens[0]}", data={**ANSWERS, "form_token": signed[:-2] + "xx"}))  # forged
    other = _phone(app)
    record(other.post(f"/e/{tokens[0]}", data={**ANSWERS, "form_token": signed}))  # another phone
    partial = form_token(phone.get(f"/e/{tokens[1]}").text)
    record(phone.post(f"/e/{tokens[1]}", data={"q1": "5", "form_token": partial}))  # answers missing
    english = _phone(app, lang="en")
    record(
        english.post(
            f"/e/{tokens[1]}", data={**ANSWERS, "form_token": form_token(english.get(f"/e/{tokens[1]}").text)}
        )
    )
    switch = _phone(app)
    signed_switch = form_token(switch.get(f"/e/{tokens[2]}").text)
    record(switch.post(f"/e/{tokens[2]}?lang=en", data={**ANSWERS, "form_token": signed_switch}))
    closing = _phone(app)
    signed_closing = form_token(closing.get(f"/e/{tokens[3]}").text)
    with session_factory() as session:
        session.execute(update(Employee).where(Employee.employment_code == "E000004").values(active=False))
        session.commit()
    record(closing.post(f"/e/{tokens[3]}", data={**ANSWERS, "form_token": signed_closing}))  # closed
    with session_factory() as session:
        session.execute(update(Employee).where(Employee.employment_code == "E000004").values(active=True))
        session.commit()
    return seen


def _stored(session_factory) -> tuple:
    with session_factory() as session:
        rows = sorted(
            (r.employee_id, r.status, r.q1, r.q2, r.q3, r.q4, r.replaced_by_id is not None)
            for r in session.scalars(select(Response))
        )
        rollups = sorted(stored_rollups(session).items(), key=repr)  # days, totals, periods
        session.query(Response).delete()
        clear_rollups(session)
        session.commit()
    return rows, rollups


def test_fast_path_and_route_answer_alike(world):
    app, session_factory, tokens = world
    fast = app.extensions["survey_fast_path"]
    assert fast.enabled
    with_fast_path = _scenario(app, session_factory, tokens), _stored(session_factory)
    fast.enabled = False
    route_only = _scenario(app, session_factory, tokens), _stored(session_factory)
    assert [answer[0] for answer in with_fast_path[0]] == [200, 200, 200, 403, 403, 400, 200, 200, 410]
    assert fast.taken == 4  # the answer, its resend, the replacement, the English phone's answer
    for n, (fast_answer, route_answer) in enumerate(zip(with_fast_path[0], route_only[0], strict=True)):
        assert fast_answer == route_answer, n
    assert with_fast_path[1] == route_only[1]
    thanks_fa, thanks_en = with_fast_path[0][0][1], with_fast_path[0][6][1]
    assert "سپاسگزاریم".encode() in thanks_fa and b"Thank you" in thanks_en
    rows, _rollups = with_fast_path[1]
    assert [row[1] for row in rows].count("counted") == 3 and [row[1] for row in rows].count("replaced") == 1


def test_fast_path_takes_plain_answers_and_records_them(world):
    app, session_factory, tokens = world
    fast = app.extensions["survey_fast_path"]
    phone = _phone(app)
    signed = form_token(phone.get(f"/e/{tokens[0]}").text)
    assert phone.post(f"/e/{tokens[0]}", data={**ANSWERS, "form_token": signed}).status_code == 200
    assert fast.taken == 1
    metrics = web.metrics_text(app)
    assert 'endpoint="survey.submit",method="POST",service="feedback",status="200"} 1.0' in metrics
    assert 'feedback_survey_commit_answers_bucket{le="1.0"} 1.0' in metrics  # one answer, its own statement
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 1


def test_a_request_the_fast_path_counted_is_not_counted_again_by_the_route(world):
    """A closed code: the fast path counts the request against the device's 12 a minute, then hands
    it to the route, which answers 410 without counting it a second time."""
    app, session_factory, tokens = world
    phone = _phone(app)
    signed = form_token(phone.get(f"/e/{tokens[3]}").text)
    with session_factory() as session:
        session.execute(update(Employee).where(Employee.employment_code == "E000004").values(active=False))
        session.commit()
    statuses = [
        phone.post(f"/e/{tokens[3]}", data={**ANSWERS, "form_token": signed}).status_code for _ in range(13)
    ]
    assert statuses == [410] * 12 + [429]


def test_when_the_rate_limit_store_is_down_the_answer_is_kept_and_flagged_for_review(
    settings, committed_feedback, tmp_path
):
    """Issue 22: with Redis (the limits' store) unreachable the citizen is thanked, not refused, and
    the answer is stored once, flagged `limits_unavailable` for an admin's review (not counted);
    the route takes it (the fast path hands it over), and a resend of the same form stores nothing."""
    from feedback.web.app import create_app

    session_factory = make_sessionmaker(committed_feedback)
    with session_factory() as session:
        [token] = seed_survey(session, tmp_path, 1)
    page_app = create_app(settings)
    phone = _phone(page_app)
    signed = form_token(phone.get(f"/e/{token}").text)
    broken = create_app(settings.replace(redis_url="redis://127.0.0.1:1/0"))
    client = broken.test_client()
    client.environ_base.update(phone.environ_base)
    client.set_cookie("fb_device", phone.get_cookie("fb_device").value)
    assert client.get(f"/e/{token}").status_code == 200  # the form opens too
    answers = [client.post(f"/e/{token}", data={**ANSWERS, "form_token": signed}) for _ in range(2)]
    assert [answer.status_code for answer in answers] == [200, 200]
    assert "سپاسگزاریم" in answers[0].text and answers[0].headers["Content-Security-Policy"]
    assert broken.extensions["survey_fast_path"].taken == 0
    with session_factory() as session:
        stored = session.execute(select(Response.status, Response.flag_rule)).all()
    assert stored == [("flagged", "limits_unavailable")]


def test_fast_path_sends_hsts_exactly_when_the_request_came_over_https(world):
    app, _session_factory, tokens = world
    fast = app.extensions["survey_fast_path"]
    answers = []
    for n, base in enumerate(("https://localhost", "http://localhost", "https://localhost")):
        phone = _phone(app)
        signed = form_token(phone.get(f"/e/{tokens[n]}", base_url=base).text)
        answer = phone.post(f"/e/{tokens[n]}", data={**ANSWERS, "form_token": signed}, base_url=base)
        answers.append((answer.status_code, "Strict-Transport-Security" in answer.headers))
    assert answers == [(200, True), (200, False), (200, True)]
    assert fast.taken == 3  # all three answered in front of Flask
