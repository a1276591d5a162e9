import pytest
import sqlalchemy as sa

from core import migrate
from core.db import make_engine


@pytest.mark.parametrize("history", ["platform", "feedback"])
def test_upgrade_downgrade_upgrade(history, fresh_database):
    url = fresh_database(f"migrations_{history}")
    migrate.upgrade(history, url)
    migrate.downgrade(history, url, "base")
    engine = make_engine(url)
    with engine.connect() as connection:
        left = set(sa.inspect(connection).get_table_names()) - {migrate.version_table(history)}
    engine.dispose()
    assert left == set(), f"downgrade left tables behind: {left}"
    migrate.upgrade(history, url)


@pytest.mark.parametrize(
    ("history", "at", "old_id"),
    [
        ("platform", "0005", "0004"),  # an old id that is another migration's new one
        ("platform", "0010", "0030"),  # the old head
        ("feedback", "0034", "0034"),  # not renumbered: only the version table moves
    ],
)
def test_a_database_migrated_before_the_renumbering_upgrades(history, at, old_id, fresh_database):
    """docs/upgrading.md: a database whose revision is in `alembic_version` under its old id is
    adopted at the same schema under the new id, then upgraded to the head."""
    url = fresh_database(f"adopt_{history}_{old_id}")
    migrate.upgrade(history, url, at)
    engine = make_engine(url)
    with engine.begin() as connection:  # the database as the old numbering left it
        connection.execute(sa.text(f"DROP TABLE {migrate.version_table(history)}"))
        connection.execute(sa.text("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)"))
        connection.execute(sa.text("INSERT INTO alembic_version VALUES (:id)"), {"id": old_id})
    migrate.upgrade(history, url)
    migrate.upgrade(history, url)  # adopted once: a second run finds nothing to do
    with engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
        version = connection.execute(sa.text(f"SELECT version_num FROM {migrate.version_table(history)}"))
        assert version.scalars().all() == migrate.heads(history)
        columns = (
            {c["name"] for c in sa.inspect(connection).get_columns("services")}
            if history == "platform"
            else set()
        )
    engine.dispose()
    assert "alembic_version" not in tables
    if history == "platform":
        assert {"tenant_services", "service_changes", "compliance_programs"} <= tables
        assert "search_key" in columns  # the migration after the adopted one ran


@pytest.mark.parametrize("history", ["platform", "feedback"])
def test_models_match_migrations(history, platform_db_url, feedback_db_url):
    """The models and the migrated schema agree: no table or column the other lacks."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.db import PlatformBase
    from feedback.db import FeedbackBase
    from feedback.db import load_all_models as load_feedback
    from portal.models import load_all_models as load_platform

    load_platform()
    load_feedback()
    metadata = PlatformBase.metadata if history == "platform" else FeedbackBase.metadata
    engine = make_engine(platform_db_url if history == "platform" else feedback_db_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": migrate.version_table(history)}
        )
        diff = compare_metadata(context, metadata)
    engine.dispose()
    structural = [
        d
        for d in diff
        if d[0] in {"add_table", "remove_table", "add_column", "remove_column"} and not _is_partition(d)
    ]
    assert structural == []


def _is_partition(change: tuple) -> bool:
    """The monthly partitions of `responses` (PostgreSQL, `feedback/survey/partitions.py`) are
    tables of the database, not models: the partitioned `responses` is the model's table."""
    from feedback.survey.partitions import DEFAULT, PREFIX

    name = change[1].name if change[0] == "remove_table" else ""
    return name == DEFAULT or (name.startswith(PREFIX) and name[len(PREFIX) :].isdigit())
