"""A migration run through a real worker process (`govcloud worker`, prefork) on a Redis of the
test's own, against the Kubernetes API emulator: the worker SIGKILLed in the middle of the deploy
step and Redis restarted (the queued and unacknowledged messages are lost): the reconciler resumes
the run once the dead worker's lease has expired, the run completes, and no object is applied twice
(issue 15)."""

from __future__ import annotations

import collections
import os
import signal
import uuid

from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from core.db import utcnow
from onboarding.runs.models import ACTIVE_RUN_STATUSES, Run, RunStatus, StepStatus
from onboarding.runs.services import start_run
from tests.fixtures.onboarding import make_world
from tests.fixtures.services import worker_process
from tests.waiting import wait_until
from workers.celery_names import TaskNames

EXPECTED_OBJECTS = 13  # the landing zone and the workload's objects (test_runs_kubernetes.EXPECTED)


def test_a_run_survives_a_killed_worker_and_a_redis_restart_without_applying_twice(
    settings, committed_platform, cluster, private_redis, own_default_app
):
    from workers.app import create_celery

    own = settings.replace(
        broker_url=private_redis.url(0),
        result_backend=private_redis.url(1),
        redis_url=private_redis.url(2),
        task_queue_prefix=f"runs-{uuid.uuid4().hex[:8]}-",
        cloud_backend="kubernetes",
        kubeconfig=str(cluster.kubeconfig),
    )
    app = create_celery(own)
    with sessionmaker(bind=committed_platform, expire_on_commit=False)() as session:
        _kill_restart_resume(app, own, session, committed_platform, cluster, private_redis)


def _kill_restart_resume(app, own, session, committed_platform, cluster, private_redis) -> None:
    world = make_world(session)
    run = start_run(session, world.admin_a, world.workload().id)

    def fresh_run() -> Run:
        session.expire_all()
        return session.get(Run, run.id)

    cluster.hold_deployments()
    with worker_process(own, "worker", "-c", "1") as worker:
        app.send_task(TaskNames.ADVANCE_RUN, args=[run.id])
        wait_until(
            lambda: any("/deployments/" in path for _, path in cluster.calls("PATCH")),
            timeout=45,
            what="the worker to reach the deploy step",
        )
        os.killpg(worker.pid, signal.SIGKILL)  # the worker and its pool, as an OOM kill of the pod
        worker.wait(10)
    interrupted = fresh_run()
    assert interrupted.status == RunStatus.running
    assert [s.status for s in interrupted.steps[:2]] == [StepStatus.succeeded, StepStatus.running]

    private_redis.restart()  # no persistence: every queued and unacknowledged message is gone
    cluster.release_deployments()
    # the dead worker's lease (10 minutes) runs out: moved into the past rather than waited for
    with sessionmaker(bind=committed_platform)() as admin:
        admin.execute(update(Run).where(Run.id == run.id).values(lease_until=utcnow()))
        admin.commit()

    with worker_process(own, "worker", "-c", "1"):
        resumed = app.send_task(TaskNames.RECONCILE_RUNS).get(timeout=30)  # what beat sends
        assert resumed == [run.id]
        wait_until(lambda: fresh_run().status not in ACTIVE_RUN_STATUSES, timeout=45, what="the run to end")

    run = fresh_run()
    objects = cluster.objects()
    applies = collections.Counter(path for method, path in cluster.calls("PATCH"))
    versions = cluster.versions()
    counts = (
        f"objects {len(objects)}, versions stored {versions}, applies per object {sorted(applies.values())}, "
        f"step attempts {[s.attempts for s in run.steps]}"
    )
    assert run.status == RunStatus.succeeded, (run.error, counts)
    assert len(objects) == EXPECTED_OBJECTS, counts
    assert [s.attempts for s in run.steps] == [1, 2, 1, 1, 1, 1], counts  # only the deploy again
    messages = [entry.message for entry in run.log]
    assert sum(m.startswith("applied ") for m in messages) == 1, counts
    # applied once: one stored version per object (a repeated apply of the same fields, the
    # interrupted step's on its second attempt, stores none), each sent at most once per attempt
    assert versions == len(objects), counts
    assert max(applies.values()) <= 2, counts
    print(f"\nrun under faults: {counts}")
