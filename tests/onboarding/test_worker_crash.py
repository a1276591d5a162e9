"""A worker killed (SIGKILL) in the middle of a step: the reconciler resumes the run, nothing doubles."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from core.db import utcnow
from onboarding.backends.kubernetes import KubernetesBackend
from onboarding.runs.engine import LEASE, advance_run, reconcile_runs
from onboarding.runs.models import RunStatus, RunStep, StepStatus
from onboarding.runs.services import start_run
from tests.fixtures.onboarding import EXPECTED, make_world
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]

WORKER = textwrap.dedent(
    """
    import sys
    from core.db import make_engine, make_sessionmaker
    from onboarding.backends.kubernetes import KubernetesBackend
    from onboarding.runs.engine import advance_run

    url, kubeconfig, run_id = sys.argv[1], sys.argv[2], int(sys.argv[3])
    session = make_sessionmaker(make_engine(url))()
    advance_run(session, run_id, KubernetesBackend.from_kubeconfig(kubeconfig, rollout_timeout=0))
    """
)


def test_a_worker_killed_mid_deploy_is_resumed_by_the_reconciler_without_duplicates(
    committed_platform, platform_db_url, cluster
):
    session = sessionmaker(bind=committed_platform, expire_on_commit=False)()
    world = make_world(session)
    run = start_run(session, world.admin_a, world.workload().id)
    cluster.hold_deployments()

    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, platform_db_url, str(cluster.kubeconfig), str(run.id)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        wait_until(
            lambda: any("/deployments/" in path for _, path in cluster.calls("PATCH")), what="a deploy PATCH"
        )
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)

    session.expire_all()
    run = session.get(type(run), run.id)
    assert run.status == RunStatus.running
    assert [s.status for s in run.steps[:2]] == [StepStatus.succeeded, StepStatus.running]
    now = utcnow()
    assert reconcile_runs(session, now) == []  # the dead worker's lease still holds
    later = now + LEASE + dt.timedelta(seconds=1)
    assert reconcile_runs(session, later) == [run.id]

    cluster.release_deployments()
    backend = KubernetesBackend.from_kubeconfig(str(cluster.kubeconfig), rollout_timeout=0)
    run = advance_run(session, run.id, backend, now=later)

    assert run.status == RunStatus.succeeded, run.error
    assert set(cluster.objects()) == EXPECTED
    assert [s.attempts for s in run.steps] == [1, 2, 1, 1, 1, 1]  # only the interrupted step ran again
    assert session.scalar(select(func.count()).select_from(RunStep).where(RunStep.run_id == run.id)) == 6
    messages = [entry.message for entry in run.log]
    assert sum(m.startswith("applied ") for m in messages) == 1
    session.close()
