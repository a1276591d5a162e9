"""PgBouncer in transaction mode (Debian's package, started by the test): the survey submission and
a migration both go through it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, make_url, select, text

from core import migrate
from core.db import make_engine, make_sessionmaker
from feedback.survey.models import Response
from feedback.web.app import create_app
from tests.feedback.survey_helpers import open_and_answer, seed_survey
from tests.fixtures.processes import pgbouncer


def test_survey_answers_and_a_migration_go_through_pgbouncer_in_transaction_mode(
    settings, fresh_database, tmp_path
):
    direct = make_url(fresh_database("pgbouncer"))
    with pgbouncer(direct.port or 5432) as port:
        pooled = direct.set(port=port, query={"prepare_threshold": "none"}).render_as_string(
            hide_password=False
        )
        # The whole feedback history, through the pooler (its advisory lock is transaction-level).
        migrate.upgrade("feedback", pooled)
        engine = make_engine(pooled)
        with engine.connect() as connection:
            head = connection.scalar(text("SELECT version_num FROM feedback_version"))
        assert [head] == migrate.heads("feedback")
        with make_sessionmaker(engine)() as session:
            tokens = seed_survey(session, tmp_path, 3)

        # Many more answers than psycopg's prepare threshold (5), six phones at a time, so the pooler
        # hands each client connection several server connections in turn: every one is stored.
        app = create_app(settings.replace(feedback_database_url=pooled))

        def answer(n: int) -> int:
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"10.99.{n}.1"
            return open_and_answer(client, tokens[n % 3]).status_code

        with ThreadPoolExecutor(6) as pool:
            assert list(pool.map(answer, range(60))) == [200] * 60
        with make_sessionmaker(engine)() as session:
            assert session.scalar(select(func.count()).select_from(Response)) == 60
        engine.dispose()
        app.extensions["db_sessionmaker"].kw["bind"].dispose()
