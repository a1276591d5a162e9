"""An advance longer than the lease keeps its run: the lease is renewed from the current time at
every step, so the reconciler never hands a run that is still being advanced to a second worker."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import sessionmaker

from core.db import utcnow
from onboarding.backends.gitops import GitOpsBackend
from onboarding.runs.engine import LEASE, advance_run, reconcile_runs
from onboarding.runs.models import RunStatus
from onboarding.runs.services import start_run
from tests.fixtures.onboarding import make_world

STEP = LEASE / 2 + dt.timedelta(minutes=1)  # each step "takes" longer than half the lease


def test_a_slow_advance_renews_its_lease_from_the_current_time(committed_platform, tmp_path):
    session = sessionmaker(bind=committed_platform, expire_on_commit=False)()
    observer = sessionmaker(bind=committed_platform)()
    world = make_world(session)
    run = start_run(session, world.admin_a, world.workload().id)
    started = utcnow()
    ticks: list[dt.datetime] = []
    reclaimable: list[tuple[dt.datetime, list[int]]] = []

    def slow_clock() -> dt.datetime:
        """Time as a slow advance sees it; at each reading, what the reconciler would pick up then."""
        current = started + STEP * len(ticks)
        ticks.append(current)
        observer.rollback()  # a fresh snapshot: what another worker's reconciler sees now
        found = reconcile_runs(observer, current)
        if ticks[1:] and run.id in found:
            reclaimable.append((current, found))
        return current

    run = advance_run(session, run.id, GitOpsBackend(tmp_path), clock=slow_clock)

    assert run.status == RunStatus.succeeded, run.error
    assert ticks[-1] - started > 2 * LEASE, f"the advance lasted only {ticks[-1] - started}"
    assert reclaimable == [], f"the reconciler could claim the run mid-advance at {reclaimable}"
    assert reconcile_runs(observer, ticks[-1]) == []  # ended: nothing to resume
    session.close()
    observer.close()


def test_a_slow_failing_step_schedules_its_retry_from_when_it_failed(committed_platform, tmp_path):
    """A step that fails after minutes (a cluster that never answers) waits its back-off from the
    failure, not from when the advance began: else the retry would be due before the step ended."""
    from onboarding.backends.kubernetes import KubernetesBackend
    from onboarding.runs.engine import RetryPolicy
    from tests.fixtures.onboarding import dead_kubeconfig

    session = sessionmaker(bind=committed_platform, expire_on_commit=False)()
    observer = sessionmaker(bind=committed_platform)()
    world = make_world(session)
    run = start_run(session, world.admin_a, world.workload().id)
    backend = KubernetesBackend.from_kubeconfig(str(dead_kubeconfig(tmp_path)), rollout_timeout=0)
    retry = RetryPolicy(max_attempts=3, base_seconds=60, factor=2)
    started = utcnow()
    ticks: list[dt.datetime] = []
    reclaimable: list[dt.datetime] = []

    def slow_clock() -> dt.datetime:
        current = started + STEP * len(ticks)
        ticks.append(current)
        observer.rollback()
        if ticks[1:] and run.id in reconcile_runs(observer, current):
            reclaimable.append(current)
        return current

    run = advance_run(session, run.id, backend, retry=retry, clock=slow_clock)

    failed_at = ticks[-1]
    assert failed_at > started + retry.delay(1), "the step did not outlast its back-off"
    assert run.status == RunStatus.running and run.steps[0].attempts == 1
    assert run.next_attempt_at == failed_at + retry.delay(1)
    assert reclaimable == [], f"the reconciler could claim the run mid-step at {reclaimable}"
    assert reconcile_runs(observer, failed_at) == []  # not due yet: a second worker is not sent
    assert reconcile_runs(observer, failed_at + retry.delay(1)) == [run.id]
    session.close()
    observer.close()
