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
        left = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert left == set(), f"downgrade left tables behind: {left}"
    migrate.upgrade(history, url)


@pytest.mark.parametrize("history", ["platform", "feedback"])
def test_models_match_migrations(history, platform_db_url, feedback_db_url):
    """The models and the migrated schema agree: no table or column the other lacks."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from core.db import PlatformBase
    from feedback.models import FeedbackBase
    from feedback.models import load_all_models as load_feedback
    from portal.models import load_all_models as load_platform

    load_platform()
    load_feedback()
    metadata = PlatformBase.metadata if history == "platform" else FeedbackBase.metadata
    engine = make_engine(platform_db_url if history == "platform" else feedback_db_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    engine.dispose()
    structural = [d for d in diff if d[0] in {"add_table", "remove_table", "add_column", "remove_column"}]
    assert structural == []
