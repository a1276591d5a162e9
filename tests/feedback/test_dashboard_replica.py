"""Dashboards read from a read-only copy of the feedback database (a streaming replica; here a second
engine on the same database whose every transaction is READ ONLY, as a standby's are): the fold
writes, so it is not attempted there; the page shows what the primary has folded (the worker's
fold, every two seconds), and the copy refuses writes."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import DBAPIError

from core.actors import Actor
from core.db import make_sessionmaker
from feedback.accounts.models import VIEWER
from feedback.dashboards.services import load_dashboard
from feedback.db import read_only_engine
from feedback.rollups.models import rollup_deltas
from feedback.rollups.services import fold_pending
from feedback.survey.services import submit_response
from tests.feedback.dashboard_helpers import viewer_client
from tests.feedback.helpers import code_of, employee_row, seed_employees
from tests.feedback.survey_helpers import submission

NATION = Actor(id=1, role=VIEWER, label="viewer", scope_kind="nation")


def _pending(factory) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(rollup_deltas)) or 0)


@pytest.fixture
def answered(committed_feedback, tmp_path):
    """One desk and one answer committed on the primary, its rollup change still pending."""
    primary = make_sessionmaker(committed_feedback)
    with primary() as session:
        seed_employees(session, tmp_path, [employee_row(1)])
        submit_response(session, submission(code_of(session, "E000001")), in_database=True)
    assert _pending(primary) == 1
    return primary


@pytest.fixture
def copy(feedback_db_url):
    engine = read_only_engine(feedback_db_url)
    yield engine
    engine.dispose()


def test_a_dashboard_on_the_read_only_copy_folds_nothing_and_shows_what_the_primary_folded(answered, copy):
    with make_sessionmaker(copy)() as session:
        before = load_dashboard(session, NATION, "", 30, 1)
    assert before.totals.count == 0  # the change is still pending: the copy did not (could not) fold
    assert _pending(answered) == 1

    with answered() as session:  # the worker's fold, on the primary
        assert fold_pending(session) == 1

    with make_sessionmaker(copy)() as session:
        after = load_dashboard(session, NATION, "", 30, 1)
        assert after.totals.count == 1 and after.totals.sums == (5, 4, 3, 5)
        with pytest.raises(DBAPIError, match="read-only transaction"):
            session.execute(delete(rollup_deltas))


def test_the_dashboard_database_setting_sends_the_pages_reads_to_the_copy(settings, answered):
    from feedback.web.app import create_app

    app = create_app(settings.replace(feedback_dashboard_database_url=settings.feedback_database_url))
    app.config.update(TESTING=True)
    with answered() as session:
        client = viewer_client(app, session, "nation")

    assert client.get("/dashboard/live.json").get_json()["count"] == 0  # pending, not folded by the page
    assert _pending(answered) == 1
    with answered() as session:
        fold_pending(session)
    assert client.get("/dashboard/live.json").get_json()["count"] == 1
    assert client.get("/dashboard").status_code == 200
