"""The run state machine. `advance_run` is what a worker calls; it is safe to call any number of
times, from any worker, after any crash: a lease (a row update, not a held lock) lets one worker
advance a run at a time, every step's state is committed before and after it runs, and the
reconciler re-enqueues runs whose lease expired or whose retry is due.

    pending → running → succeeded
                 ↓ (a step fails after its retries, or cancel)
            rolling_back → rolled_back | cancelled   (or failed, if the rollback itself cannot finish)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, selectinload

from core.db import utcnow
from core.errors import NotFound, ValidationError
from onboarding.backends.base import Backend, PermanentBackendError
from onboarding.inventory.models import WorkloadStatus
from onboarding.runs.models import ACTIVE_RUN_STATUSES, Run, RunLogEntry, RunStatus, RunStep, StepStatus
from onboarding.runs.steps import FORWARD, UNDO, StepContext

log = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=10)


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_seconds: float = 5
    factor: float = 2
    cap_seconds: float = 600

    def delay(self, attempt: int) -> dt.timedelta:
        """Exponential backoff: base, base×factor, … capped (attempt counts from 1)."""
        return dt.timedelta(seconds=min(self.cap_seconds, self.base_seconds * self.factor ** (attempt - 1)))


DEFAULT_RETRY = RetryPolicy()


def _log(
    session: Session,
    run: Run,
    message: str,
    level: str = "info",
    step: str = "",
    now: dt.datetime | None = None,
) -> None:
    session.add(RunLogEntry(run_id=run.id, at=now or utcnow(), level=level, step=step, message=message))
    getattr(log, "error" if level == "error" else "info")("run %s: %s", run.id, message)


def _claim(session: Session, run_id: int, now: dt.datetime) -> bool:
    claimed = session.execute(
        update(Run)
        .where(
            Run.id == run_id,
            Run.status.in_(ACTIVE_RUN_STATUSES),
            or_(Run.lease_until.is_(None), Run.lease_until < now),
            or_(Run.next_attempt_at.is_(None), Run.next_attempt_at <= now),
        )
        .values(lease_until=now + LEASE)
        .returning(Run.id)
    ).first()
    session.commit()
    return claimed is not None


def load_run(session: Session, run_id: int) -> Run:
    """The run with its steps, fresh from the database (NotFound if it does not exist)."""
    run = session.execute(
        select(Run)
        .where(Run.id == run_id)
        .options(selectinload(Run.steps), selectinload(Run.workload))
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if run is None:
        raise NotFound("no such run", run_id=run_id)
    return run


def advance_run(
    session: Session,
    run_id: int,
    backend: Backend,
    *,
    now: dt.datetime | None = None,
    retry: RetryPolicy = DEFAULT_RETRY,
    max_steps: int | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> Run:
    """Advance a run as far as it can go now: until it ends, waits for a retry, or `max_steps`.

    An advance can take longer than the lease (a slow rollout, several steps): the lease is renewed
    and retries are scheduled from the current time at every step, never from the time the advance
    started, or the reconciler would hand a run still being advanced to a second worker. `clock` is
    that current time: the wall clock, or `now` held still (tests that check exact times)."""
    clock = clock or _clock_from(now)
    now = clock()
    if not _claim(session, run_id, now):
        return load_run(session, run_id)
    run = load_run(session, run_id)
    taken = 0
    try:
        while run.status in ACTIVE_RUN_STATUSES and (max_steps is None or taken < max_steps):
            now = clock()
            run.lease_until = now + LEASE  # committed with the step's first change, before it runs
            if run.cancel_requested and run.status != RunStatus.rolling_back:
                run.status = RunStatus.rolling_back
                run.error = "cancelled"
                _log(session, run, "cancelled: undoing what the run made", "warning", now=now)
                session.commit()
            if run.status == RunStatus.pending:
                run.status = RunStatus.running
                _log(session, run, f"started on the {backend.name} backend", now=now)
                session.commit()
            if run.status == RunStatus.running:
                step = next(
                    (s for s in run.steps if s.status in (StepStatus.pending, StepStatus.running)), None
                )
                if step is None:
                    _finish(session, run, RunStatus.succeeded, now)
                    break
                if not _forward(session, run, step, backend, now, clock, retry):
                    break
            else:
                if not _undo_next(session, run, backend, now, clock, retry):
                    break
            taken += 1  # the step's end renewed the lease from the time it ended
    except BaseException:
        session.rollback()  # what the step committed stays; the reconciler resumes from there
        raise
    finally:
        run.lease_until = None
        session.commit()
    return run


def _clock_from(now: dt.datetime | None) -> Callable[[], dt.datetime]:
    """The wall clock, or a clock standing still at `now`."""
    if now is None:
        return utcnow
    return lambda: now


def _forward(
    session: Session,
    run: Run,
    step: RunStep,
    backend: Backend,
    now: dt.datetime,
    clock: Callable[[], dt.datetime],
    retry: RetryPolicy,
) -> bool:
    """Run one step begun at `now`; False when the run must wait (a retry is scheduled). What
    follows the step (its end, the renewed lease, the next attempt) is timed by `clock` when the step
    ends, not from `now`: a step may take minutes."""
    step.status = StepStatus.running
    step.attempts += 1
    step.started_at = step.started_at or now
    session.commit()
    context = StepContext(session, run, step, backend, now)
    try:
        message, outcome = FORWARD[step.name](context)
    except (PermanentBackendError, ValidationError) as exc:
        session.rollback()
        _fail(session, run, step, _reason(exc), clock())
        return True
    except Exception as exc:  # transient until the retries run out; the message says which
        session.rollback()
        now = clock()
        reason = _reason(exc)
        if step.attempts >= retry.max_attempts:
            _fail(session, run, step, f"{reason} (after {step.attempts} attempts)", now)
            return True
        delay = retry.delay(step.attempts)
        step.status = StepStatus.pending
        step.message = reason
        run.next_attempt_at = now + delay
        _log(
            session,
            run,
            f"attempt {step.attempts} of {retry.max_attempts} failed: {reason}; "
            f"retrying in {int(delay.total_seconds())} s",
            "warning",
            step.name,
            now,
        )
        session.commit()
        return False
    now = clock()
    run.lease_until = now + LEASE
    step.status = StepStatus.succeeded
    step.finished_at = now
    step.message = message
    step.outcome = {**step.outcome, **outcome}
    run.next_attempt_at = None
    _log(session, run, message, step=step.name, now=now)
    session.commit()
    return True


def _fail(session: Session, run: Run, step: RunStep, reason: str, now: dt.datetime) -> None:
    run.lease_until = now + LEASE  # the rollback goes on in this advance
    step.status = StepStatus.failed
    step.finished_at = now
    step.message = reason
    run.status = RunStatus.rolling_back
    run.error = f"{step.name} failed: {reason}"
    run.next_attempt_at = None
    _log(session, run, f"{step.name} failed: {reason}; rolling back", "error", step.name, now)
    session.commit()


def _undo_next(
    session: Session,
    run: Run,
    backend: Backend,
    now: dt.datetime,
    clock: Callable[[], dt.datetime],
    retry: RetryPolicy,
) -> bool:
    """Undo the latest step that made something; False when the run must wait for a retry (timed,
    as in `_forward`, from when the undo ended)."""
    touched = [
        s for s in run.steps if s.status in (StepStatus.succeeded, StepStatus.failed, StepStatus.running)
    ]
    if not touched:
        _finish(session, run, RunStatus.cancelled if run.cancel_requested else RunStatus.rolled_back, now)
        return True
    step = touched[-1]
    context = StepContext(session, run, step, backend, now)
    try:
        message = UNDO[step.name](context)
    except Exception as exc:
        session.rollback()
        now = clock()
        undo_attempts = int(step.outcome.get("undo_attempts", 0)) + 1
        step.outcome = {**step.outcome, "undo_attempts": undo_attempts}
        reason = _reason(exc)
        if undo_attempts >= retry.max_attempts:
            run.status = RunStatus.failed
            run.error = f"{run.error}; undoing {step.name} failed: {reason}"
            run.finished_at = now
            _log(
                session,
                run,
                f"undoing {step.name} failed: {reason}; an operator must finish it",
                "error",
                step.name,
                now,
            )
        else:
            run.next_attempt_at = now + retry.delay(undo_attempts)
            _log(session, run, f"undoing {step.name} failed: {reason}; retrying", "warning", step.name, now)
        session.commit()
        return False
    now = clock()
    run.lease_until = now + LEASE
    step.status = StepStatus.rolled_back
    run.next_attempt_at = None
    _log(session, run, f"undid {step.name}: {message}", step=step.name, now=now)
    session.commit()
    return True


def _finish(session: Session, run: Run, status: RunStatus, now: dt.datetime) -> None:
    run.status = status
    run.finished_at = now
    run.next_attempt_at = None
    workload = run.workload
    if status == RunStatus.succeeded:
        _log(session, run, f"{workload.name} runs in {run.tenant.namespace}", now=now)
    else:
        earlier = session.scalar(
            select(Run.id).where(
                Run.workload_id == workload.id, Run.id != run.id, Run.status == RunStatus.succeeded
            )
        )
        workload.status = WorkloadStatus.migrated if earlier else WorkloadStatus.in_data_center
        _log(session, run, f"ended {status}: {run.error}", "warning", now=now)
    session.commit()


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ValidationError) and exc.fields:
        return f"{exc.message}: " + "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
    return str(exc) or type(exc).__name__


def reconcile_runs(session: Session, now: dt.datetime | None = None) -> list[int]:
    """Runs a worker should pick up: active, nobody holding them, and any retry due. Redis may lose
    queued messages on restart; the rows do not, so beat calls this to resume what was dropped."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(Run.id)
            .where(
                Run.status.in_(ACTIVE_RUN_STATUSES),
                or_(Run.lease_until.is_(None), Run.lease_until < now),
                or_(Run.next_attempt_at.is_(None), Run.next_attempt_at <= now),
            )
            .order_by(Run.id)
        )
    )
