"""Migration runs on the `migrations` queue: thin wrappers over the run engine."""

from __future__ import annotations

from celery import shared_task

from core.db import task_session, utcnow
from core.errors import NotFound
from core.taskqueue import task_settings
from onboarding.backends import backend_from_settings
from onboarding.runs.engine import advance_run, reconcile_runs
from onboarding.runs.models import ACTIVE_RUN_STATUSES
from workers.celery_names import TaskNames


@shared_task(name=TaskNames.ADVANCE_RUN)
def advance_run_task(run_id: int) -> str:
    """Advance one run; when a step waits for a retry, come back when it is due."""
    with task_session(task_settings().database_url) as session:
        try:
            run = advance_run(session, run_id, backend_from_settings(task_settings()))
        except NotFound:
            return "gone"  # a message about a run that no longer exists (or never committed)
        if run.status in ACTIVE_RUN_STATUSES and run.next_attempt_at is not None:
            delay = max(0.0, (run.next_attempt_at - utcnow()).total_seconds())
            advance_run_task.apply_async((run_id,), countdown=delay)
        return str(run.status)


@shared_task(name=TaskNames.RECONCILE_RUNS)
def reconcile_runs_task() -> list[int]:
    """Beat: re-enqueue runs nobody is advancing (a worker died, or Redis lost the message)."""
    with task_session(task_settings().database_url) as session:
        run_ids = reconcile_runs(session)
    for run_id in run_ids:
        advance_run_task.delay(run_id)
    return run_ids


def enqueue_runs(run_ids: list[int]) -> None:
    """Called by the portal and CLI after the commit that created (or cancelled) the runs."""
    for run_id in run_ids:
        advance_run_task.delay(run_id)
