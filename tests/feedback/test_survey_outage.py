"""When the database is down the survey says so politely (503, in Persian), and the page's script
keeps the answers on the phone and resends them once it is back: counted exactly once."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from core.db import make_engine, make_sessionmaker
from feedback.rollups.services import fold_pending
from feedback.survey.integrity import issue_form_token, keyed_hash, new_device_id
from feedback.survey.models import Response
from tests.feedback.survey_helpers import ANSWERS, open_and_answer, seed_survey
from tests.fixtures.feedback import fresh_address
from tests.fixtures.web import LiveServer, csrf_token_from

DOWN_MESSAGE = "سامانه لحظاتی در دسترس نیست"


def _dead_sessionmaker(url: str):
    return make_sessionmaker(make_engine(make_url(url).set(port=1).render_as_string(hide_password=False)))


def test_dead_database_answers_503_in_persian_and_keeps_the_answers(settings, feedback_db_url):
    from feedback.web.app import create_app

    app = create_app(settings, session_factory=_dead_sessionmaker(feedback_db_url))
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = fresh_address()
    page = client.get("/e/some-desk-token")
    assert page.status_code == 503 and DOWN_MESSAGE in page.text

    phone = new_device_id(settings.secret_key)  # as the page issued it
    client.set_cookie("fb_device", phone)
    device = keyed_hash(settings.secret_key, "device", phone)
    signed = issue_form_token(settings.secret_key, 1, 1, device)
    posted = client.post("/e/some-desk-token", data={**ANSWERS, "form_token": signed, "comment": "خوب"})
    assert posted.status_code == 503 and DOWN_MESSAGE in posted.text
    assert 'name="q1" value="5" required checked' in posted.text
    assert signed in posted.text and "خوب" in posted.text  # press Send again later: same submission


def test_connections_the_server_dropped_are_replaced_without_losing_an_answer(
    settings, committed_feedback, tmp_path
):
    """The submission pool does not ping at checkout; a restarted or cut connection fails the call,
    which goes again on a fresh connection: the citizen sees the thank-you page, one row is stored."""
    from feedback.web.app import create_app

    session_factory = make_sessionmaker(committed_feedback)
    with session_factory() as session:
        tokens = seed_survey(session, tmp_path, 2)
    client = create_app(settings).test_client()
    client.environ_base["REMOTE_ADDR"] = fresh_address()
    assert open_and_answer(client, tokens[0]).status_code == 200
    with session_factory() as session:  # every other connection to this database, as a restart would
        dropped = session.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    assert dropped >= 1
    answered = open_and_answer(client, tokens[1])
    assert answered.status_code == 200 and "سپاسگزاریم" in answered.text
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 2
        # a dashboard's fold, on the same dropped pool, recovers the same way
        assert fold_pending(session) == 2


@pytest.mark.browser
def test_browser_keeps_answers_and_resends_once_the_database_is_back(
    page, settings, committed_feedback, tmp_path
):
    from feedback.web.app import create_app

    session_factory = make_sessionmaker(committed_feedback)
    with session_factory() as session:
        [token] = seed_survey(session, tmp_path, 1)
    app = create_app(settings)
    alive = app.extensions["db_sessionmaker"]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "503" not in m.text else None)

    def rows() -> int:
        with session_factory() as session:
            return session.scalar(select(func.count()).select_from(Response))

    with LiveServer(app) as server:
        page.goto(f"{server.url}/e/{token}")
        assert page.locator("html").get_attribute("dir") == "rtl"
        for n, value in ((1, 5), (2, 4), (3, 3), (4, 5)):
            page.check(f"input[name=q{n}][value='{value}']")
        page.fill("#comment", "پاسخ در قطعی")
        app.extensions["db_sessionmaker"] = _dead_sessionmaker(settings.feedback_database_url)
        page.click("button[type=submit]")
        page.wait_for_selector("#status:not([hidden])")
        assert "روی همین گوشی" in page.locator("#status").inner_text()
        pending = json.loads(page.evaluate("localStorage.getItem('govcloud-survey-pending')"))
        assert len(pending) == 1 and "q1=5" in pending[0]["body"]
        assert rows() == 0

        app.extensions["db_sessionmaker"] = alive
        page.wait_for_url("**/thanks", timeout=20_000)
        assert "سپاسگزاریم" in page.content()
        assert page.evaluate("localStorage.getItem('govcloud-survey-pending')") == "[]"
        assert rows() == 1

        # the same answers resent again (a second tab, a flaky network): still one row
        page.evaluate(f"localStorage.setItem('govcloud-survey-pending', {json.dumps(json.dumps(pending))})")
        page.goto(f"{server.url}/e/{token}")
        page.wait_for_url("**/thanks", timeout=10_000)
        assert rows() == 1
    assert errors == []


def test_with_redis_down_the_public_pages_limit_per_process_instead_of_failing(settings, committed_feedback):
    """Issue 22: the limits' store (Redis) unreachable is no 500 anywhere a citizen goes: the survey,
    the short-code lookup and sign-in answer their own pages, their limits kept in process memory."""
    from feedback.web.app import create_app

    app = create_app(settings.replace(redis_url="redis://127.0.0.1:1/0"))
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = fresh_address()
    assert client.get("/e/some-desk-token").status_code == 404
    lookup = client.get("/e")
    assert lookup.status_code == 200
    missed = client.post("/e", data={"code": "1234-5678-9", "csrf_token": csrf_token_from(lookup.text)})
    assert missed.status_code in (400, 404), missed.status_code
    page = client.get("/sign-in")
    signed = client.post(
        "/sign-in",
        data={
            "email": "nobody@aro.example.ir",
            "password": "not the password",
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert signed.status_code in (200, 401), signed.status_code
    assert "<html" in signed.text


@pytest.mark.browser
def test_without_javascript_the_answer_is_stored_and_survives_an_outage(
    browser, settings, committed_feedback, tmp_path
):
    """A phone with scripts off (issue 22): the form posts itself and is stored (through the fast
    path); with the database down the Persian outage page carries the same form, answers ticked,
    and pressing Send once it is back stores it, once."""
    from feedback.web.app import create_app

    session_factory = make_sessionmaker(committed_feedback)
    with session_factory() as session:
        tokens = seed_survey(session, tmp_path, 2)
    app = create_app(settings)
    alive = app.extensions["db_sessionmaker"]

    def rows() -> int:
        with session_factory() as session:
            return session.scalar(select(func.count()).select_from(Response))

    context = browser.new_context(locale="fa-IR", java_script_enabled=False)
    try:
        page = context.new_page()
        with LiveServer(app) as server:
            page.goto(f"{server.url}/e/{tokens[0]}")
            for n, value in ((1, 5), (2, 4), (3, 3), (4, 5)):
                page.check(f"input[name=q{n}][value='{value}']")
            page.click("button[type=submit]")
            assert "سپاسگزاریم" in page.content()
            assert rows() == 1 and app.extensions["survey_fast_path"].taken == 1

            page.goto(f"{server.url}/e/{tokens[1]}")
            for n in range(1, 5):
                page.check(f"input[name=q{n}][value='4']")
            app.extensions["db_sessionmaker"] = _dead_sessionmaker(settings.feedback_database_url)
            page.click("button[type=submit]")
            assert DOWN_MESSAGE in page.content()
            assert page.locator("input[name=q1][value='4']").is_checked()
            app.extensions["db_sessionmaker"] = alive
            page.click("button[type=submit]")
            assert "سپاسگزاریم" in page.content()
    finally:
        context.close()
    assert rows() == 2
