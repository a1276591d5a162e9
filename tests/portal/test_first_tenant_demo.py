"""The demo that `make run` starts onboards the first tenant on the gitops backend, once."""

from __future__ import annotations

import yaml
from sqlalchemy import func, select

from catalog.seed import seed_reference_agencies
from core.db import make_sessionmaker
from onboarding.runs.models import Run, RunStatus
from portal.demo import seed_first_tenant


def test_the_demo_onboards_the_feedback_system_once(settings, committed_platform):
    with make_sessionmaker(committed_platform)() as session:
        seed_reference_agencies(session)
        first = seed_first_tenant(settings, session)
        folder = settings.var_path / "gitops" / "t-arao"
        written = {path.name: path.read_bytes() for path in folder.iterdir()}
        second = seed_first_tenant(settings, session)

        assert "is running, 2 runs now" in first[1]
        assert "is running, 0 runs now" in second[1]
        assert session.scalars(select(Run.status)).all() == [RunStatus.succeeded] * 2
        assert session.scalar(select(func.count()).select_from(Run)) == 2
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == written
    web = yaml.safe_load(written["deployment-employee-feedback-web.yaml"])
    [container] = web["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "registry.cloud.gov.ir/govcloud/feedback:0.1.0"
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": 8001}
    assert "persistentvolumeclaim-feedback-db-postgres-data.yaml" in written
    assert [name for name in written if name.startswith("ingress-")] == ["ingress-employee-feedback.yaml"]
