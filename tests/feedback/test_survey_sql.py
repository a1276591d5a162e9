"""The database functions a migrated feedback database runs are the newest versions in the
repository's `sql/` folders, and each version is built whole from its files."""

import re
from importlib.resources import files

import pytest
import sqlalchemy as sa

from core.migrate import versioned_sql

FUNCTIONS = [
    ("feedback.survey", "feedback_submit"),
    ("feedback.survey", "feedback_submit_locked"),
    ("feedback.rollups", "feedback_fold_totals"),
]


def _newest(package: str, name: str) -> int:
    found = [re.fullmatch(rf"{name}_v(\d+)\.sql", f.name) for f in files(package).joinpath("sql").iterdir()]
    return max(int(match[1]) for match in found if match)


def _body(sql: str) -> str:
    return sql.split("$$", 2)[1]


@pytest.mark.parametrize(("package", "name"), FUNCTIONS)
def test_the_migrated_function_is_the_newest_version(package, name, feedback_engine):
    with feedback_engine.connect() as connection:
        live = connection.execute(
            sa.text("SELECT prosrc FROM pg_proc WHERE proname = :n"), {"n": name}
        ).scalar_one()
    assert live == _body(versioned_sql(package, name, _newest(package, name)))


def test_each_version_is_a_whole_function_of_its_own():
    versions = [versioned_sql("feedback.survey", "feedback_submit", n) for n in (1, 2)]
    assert all(v.count("CREATE OR REPLACE FUNCTION feedback_submit(") == 1 for v in versions)
    assert "INSERT INTO rollups AS t" in versions[0] and "rollup_deltas" not in versions[0]
    assert "INSERT INTO rollup_deltas" in versions[1] and "INSERT INTO rollups AS t" not in versions[1]


def test_the_per_day_fold_of_every_level_is_gone(feedback_engine):
    """Migration 0039 replaced `feedback_fold_rollups` with `feedback_fold_totals`."""
    with feedback_engine.connect() as connection:
        names = set(
            connection.execute(
                sa.text("SELECT proname FROM pg_proc WHERE proname LIKE 'feedback_fold%'")
            ).scalars()
        )
    assert names == {"feedback_fold_totals"}
