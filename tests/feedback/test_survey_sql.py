"""The database functions a migrated feedback database runs are the newest versions in the
repository's `sql/` folders, and each version is built whole from its files."""

import re
from importlib.resources import files

import pytest
import sqlalchemy as sa

from core import migrate
from core.db import make_engine
from core.migrate import versioned_sql

FUNCTIONS = [
    ("feedback.survey", "feedback_submit"),
    ("feedback.survey", "feedback_submit_locked"),
    ("feedback.survey", "feedback_submit_many"),
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
    versions = [versioned_sql("feedback.survey", "feedback_submit", n) for n in (1, 2, 3)]
    assert all(v.count("CREATE OR REPLACE FUNCTION feedback_submit(") == 1 for v in versions)
    assert "INSERT INTO rollups AS t" in versions[0] and "rollup_deltas" not in versions[0]
    assert "INSERT INTO rollup_deltas" in versions[1] and "INSERT INTO rollups AS t" not in versions[1]
    # version 3 is written whole: version 2 with its look-ups bounded to two days
    two_days = "r.day = ANY (ARRAY[p_day - 1, p_day])"  # the resend, the two counts, the link
    assert two_days not in versions[1] and _body(versions[2]).count(two_days) == 4
    assert "INSERT INTO rollup_deltas" in versions[2] and "INSERT INTO rollups AS t" not in versions[2]


def test_version_3_plans_its_statements_generically(feedback_engine):
    """Re-planned on each call (the plan cache's choice for the day-bounded look-ups), version 3
    cost more CPU than version 2; planned once, with the partitions pruned as each statement runs,
    it costs less (migration 0050)."""
    with feedback_engine.connect() as connection:
        settings = connection.execute(
            sa.text("SELECT proconfig FROM pg_proc WHERE proname = 'feedback_submit'")
        ).scalar_one()
    assert settings == ["plan_cache_mode=force_generic_plan"]


def test_the_per_day_fold_of_every_level_is_gone(feedback_engine):
    """Migration 0039 replaced `feedback_fold_rollups` with `feedback_fold_totals`."""
    with feedback_engine.connect() as connection:
        names = set(
            connection.execute(
                sa.text("SELECT proname FROM pg_proc WHERE proname LIKE 'feedback_fold%'")
            ).scalars()
        )
    assert names == {"feedback_fold_totals"}


def _functions(url: str) -> dict[str, tuple]:
    engine = make_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT proname, pg_get_function_identity_arguments(oid), prosrc, proconfig FROM pg_proc"
                " WHERE proname LIKE 'feedback%'"
            )
        ).all()
    engine.dispose()
    return {f"{name}({arguments})": (source, config) for name, arguments, source, config in rows}


def test_migration_0050_downgrades_to_the_functions_0049_had(fresh_database):
    """Upgraded to 0050 and back, a database has the functions a database migrated to 0049 has:
    `feedback_submit` version 2 without the setting, no `feedback_submit_many`."""
    before, after = fresh_database("functions_0049"), fresh_database("functions_0050_down")
    migrate.upgrade("feedback", before, "0049")
    migrate.upgrade("feedback", after, "0050")
    assert _functions(after) != _functions(before)
    migrate.downgrade("feedback", after, "0049")
    assert _functions(after) == _functions(before)
