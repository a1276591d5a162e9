from sqlalchemy import func, select

from catalog.seed import seed_reference_agencies
from core.db import make_sessionmaker
from onboarding.inventory.models import Workload
from onboarding.runs.models import Run, RunStatus
from portal.demo import seed_migration_demo


def test_the_migration_demo_is_idempotent(settings, committed_platform):
    with make_sessionmaker(committed_platform)() as session:
        seed_reference_agencies(session)
        first = seed_migration_demo(settings, session)
        second = seed_migration_demo(settings, session)
        assert "2 workloads added" in first[1] and "0 workloads added" in second[1]
        assert session.scalar(select(func.count()).select_from(Workload)) == 2
        assert session.scalars(select(Run.status)).all() == [RunStatus.succeeded]
    assert (settings.var_path / "gitops" / "t-ito" / "deployment-hr-db-db.yaml").exists()
