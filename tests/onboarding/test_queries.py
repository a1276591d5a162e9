"""The migration figures the compliance metrics read, after a real run on the gitops backend."""

from __future__ import annotations

from onboarding.backends.gitops import GitOpsBackend
from onboarding.compliance.metrics import Measure, measure
from onboarding.queries import data_center_retirement_counts, has_running_tenant, workload_migration_counts
from onboarding.runs.engine import advance_run
from onboarding.runs.services import start_run


def test_figures_follow_the_runs(world, tmp_path):
    moved = world.workload(name="moved")
    world.workload(name="still-there")
    assert workload_migration_counts(world.session, world.a.id) == (0, 2)
    assert not has_running_tenant(world.session, world.a.id)

    advance_run(world.session, start_run(world.session, world.admin_a, moved.id).id, GitOpsBackend(tmp_path))

    assert workload_migration_counts(world.session, world.a.id) == (1, 2)
    assert data_center_retirement_counts(world.session, world.a.id) == (0, 1)  # one workload remains there
    assert str(moved.data_center.status) == "retiring"
    joined = measure(world.session, "joined_cloud", [world.a.id, world.b.id])
    assert joined == {world.a.id: Measure(1, 1, 1.0), world.b.id: Measure(0, 1, 0.0)}
    assert measure(world.session, "workloads_migrated", [world.a.id])[world.a.id] == Measure(1, 2, 0.5)
