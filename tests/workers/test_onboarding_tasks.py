"""A real Celery worker (Redis broker) advances a migration run end to end on the gitops backend."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from onboarding.runs.models import Run, RunStatus
from onboarding.runs.services import start_run
from tests.fixtures.onboarding import make_world
from tests.waiting import wait_until
from workers.celery_names import TaskNames


def _wait_for_status(session, run_id, timeout=60.0):
    def finished() -> Run | None:
        session.expire_all()
        run = session.get(Run, run_id)
        return (
            run if run.status not in (RunStatus.pending, RunStatus.running, RunStatus.rolling_back) else None
        )

    return wait_until(finished, timeout=timeout, interval=0.2, what=f"run {run_id} to finish")


def test_the_worker_advances_a_run_to_the_end(settings, celery_app, celery_worker, committed_platform):
    session = sessionmaker(bind=committed_platform, expire_on_commit=False)()
    world = make_world(session)
    run = start_run(session, world.admin_a, world.workload().id)

    celery_app.send_task(TaskNames.ADVANCE_RUN, args=[run.id])
    run = _wait_for_status(session, run.id)

    assert run.status == RunStatus.succeeded, run.error
    folder = settings.var_path / "gitops" / "t-aro"
    assert (folder / "kustomization.yaml").exists()
    assert (folder / "deployment-portal-web.yaml").exists()
    session.close()


def test_the_reconciler_task_resumes_a_run_whose_message_was_lost(
    celery_app, celery_worker, committed_platform
):
    session = sessionmaker(bind=committed_platform, expire_on_commit=False)()
    world = make_world(session)
    run = start_run(session, world.admin_a, world.workload().id)  # rows only: no task was sent

    resumed = celery_app.send_task(TaskNames.RECONCILE_RUNS).get(timeout=30)

    assert resumed == [run.id]
    assert _wait_for_status(session, run.id).status == RunStatus.succeeded
    session.close()
