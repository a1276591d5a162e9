"""Registry admins edit the questions and see the flagged responses; the demo seeds responses once;
`govcloud feedback rebuild-rollups`; the embedded SQLite path keeps rollups exact too."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from core import migrate
from core.actors import SYSTEM
from core.db import make_engine, make_sessionmaker
from feedback.rollups.models import Rollup
from feedback.rollups.services import rebuild_rollups
from feedback.survey.models import COUNTED, Response
from feedback.survey.questions import seed_questions
from feedback.survey.services import submit_response
from portal.cli import main
from tests.feedback.helpers import cli_env, code_of, employee_row, seed_employees
from tests.feedback.survey_helpers import form_token, stored_rollups, submission
from tests.fixtures.feedback import csrf_token

NOON = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def seeded(feedback_session, tmp_path):
    seed_employees(feedback_session, tmp_path, [employee_row(1), employee_row(2)])
    seed_questions(feedback_session)
    return feedback_session


def _snapshot(session) -> dict:
    return {pk: (v[0], v[1], v[4]) for pk, v in stored_rollups(session).items()}


def test_admin_edits_questions_in_both_languages_and_the_survey_shows_them(
    admin_client, feedback_client, seeded
):
    page = admin_client.get("/admin/survey/questions")
    assert page.status_code == 200 and "برخورد همراه با احترام" in page.text
    data = {"csrf_token": csrf_token(page.text)}
    for n in range(1, 5):
        data[f"q{n}_fa"] = f"پرسش تازه {n}"
        data[f"q{n}_en"] = f"New question {n}"
    data["q3_en"] = ""
    refused = admin_client.post("/admin/survey/questions", data=data)
    assert refused.status_code == 400 and "پرسش تازه 1" in refused.text  # nothing typed is lost
    data["q3_en"] = "New question 3"
    assert admin_client.post("/admin/survey/questions", data=data).status_code == 302
    code = code_of(seeded, "E000001")
    assert "پرسش تازه 2" in feedback_client.get(f"/e/{code.token}").text
    assert "New question 2" in feedback_client.get(f"/e/{code.token}?lang=en").text


def test_survey_admin_pages_need_a_registry_admin(feedback_client, seeded):
    for path in ("/admin/survey/questions", "/admin/survey/flagged"):
        assert feedback_client.get(path).status_code == 302
    token = form_token(feedback_client.get(f"/e/{code_of(seeded, 'E000001').token}").text)
    assert token  # a citizen's survey session is no admin session
    assert feedback_client.get("/admin/survey/flagged").status_code == 302


def test_flagged_list_names_the_rule(admin_client, seeded):
    code = code_of(seeded, "E000001")
    for n in range(6):
        submit_response(seeded, submission(code, f"phone{n}", "one-address"), NOON)
    page = admin_client.get("/admin/survey/flagged")
    assert page.status_code == 200
    assert "employee_ip_burst" in page.text and "پاسخ‌های زیاد برای یک کارمند" in page.text
    assert code.employee.national_code not in page.text


def test_demo_responses_are_seeded_once_through_the_service(feedback_session):
    from feedback.demo import seed_demo_feedback

    first = seed_demo_feedback(feedback_session)
    assert first[-1] == "feedback demo survey responses added: 288"
    second = seed_demo_feedback(feedback_session)
    assert second[-1] == "feedback demo survey responses added: 0"
    assert feedback_session.scalar(select(func.count()).select_from(Response)) == 288
    incremental = _snapshot(feedback_session)
    rebuild_rollups(feedback_session, SYSTEM)
    assert _snapshot(feedback_session) == incremental
    assert (
        len({day for (level, _key, day) in incremental if level == "nation" and isinstance(day, dt.date)})
        > 10
    )


def test_rebuild_rollups_command(settings, committed_feedback, tmp_path):
    with make_sessionmaker(committed_feedback)() as session:
        seed_employees(session, tmp_path, [employee_row(1)])
        submit_response(session, submission(code_of(session, "E000001")))  # today: in every period
        session.execute(Rollup.__table__.delete())
        session.commit()
    result = CliRunner().invoke(main, ["feedback", "rebuild-rollups"], env=cli_env(settings))
    assert result.exit_code == 0, result.output
    assert f"rollups rebuilt: {6 + 6 * 5 + 3} rows" in result.output  # totals, periods, days
    with make_sessionmaker(committed_feedback)() as session:
        assert session.scalar(select(Rollup.count).where(Rollup.level == "nation")) == 1


def test_sqlite_embedded_path_keeps_rollups_exact(tmp_path):
    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    migrate.upgrade("feedback", url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        seed_employees(session, tmp_path, [employee_row(n) for n in range(1, 4)])
        codes = [code_of(session, f"E{n:06d}") for n in range(1, 4)]
        for n in range(30):
            code = codes[n % 3]
            submit_response(session, submission(code, f"d{n % 4}", f"i{n}", (1 + n % 5, 2, 3, 4)), NOON)
        statuses = set(session.scalars(select(Response.status)))
        assert COUNTED in statuses and "replaced" in statuses
        incremental = _snapshot(session)
        rebuild_rollups(session, SYSTEM)
        assert _snapshot(session) == incremental
    engine.dispose()
