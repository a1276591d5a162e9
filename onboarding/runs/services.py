"""Run use cases: start a run (or a whole wave), cancel, read. Rows first: the caller enqueues the
worker task after this commit, and the reconciler picks up any run whose message was lost."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog import trail
from catalog.models import Agency
from catalog.queries import agency_scope, is_valid_id
from catalog.schemas import FieldMessage
from catalog.services import on_agency_deactivation
from core.actors import Actor
from core.db import utcnow
from core.errors import Conflict, NotFound, ValidationError
from onboarding import policies
from onboarding.backends.base import ref_of
from onboarding.inventory.models import Workload, WorkloadStatus
from onboarding.inventory.queries import get_workload
from onboarding.inventory.schemas import components_of, parse_bytes, parse_cpu
from onboarding.landing.plans import get_cloud_plan
from onboarding.landing.render import namespace_for, render_landing_zone, render_workload
from onboarding.plans.models import MigrationPlan, Wave
from onboarding.plans.services import get_plan
from onboarding.runs.models import ACTIVE_RUN_STATUSES, Run, RunLogEntry, RunStatus, RunStep, TenantSpace
from onboarding.runs.steps import STEP_NAMES


def get_run(session: Session, actor: Actor, run_id: int) -> Run:
    if not is_valid_id(run_id):  # past any row id: no such row, and no out-of-range SQL
        raise NotFound("no such run", run_id=run_id)
    run = session.execute(
        select(Run).where(Run.id == run_id).options(selectinload(Run.steps), selectinload(Run.log))
    ).scalar_one_or_none()
    if run is None or not policies.can_read(actor, run.agency_id):
        raise NotFound("no such run", run_id=run_id)
    return run


def list_runs(
    session: Session, actor: Actor, agency_id: int | None = None, limit: int | None = None
) -> list[Run]:
    """Newest first; `limit` keeps only the newest that many."""
    query = (
        select(Run)
        .where(agency_scope(actor, Run.agency_id))
        .options(selectinload(Run.steps), selectinload(Run.workload))
        .order_by(Run.id.desc())
    )
    if agency_id is not None:
        query = query.where(Run.agency_id == agency_id)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def _tenant(session: Session, agency: Agency, cloud_plan: str) -> TenantSpace:
    tenant = session.scalar(select(TenantSpace).where(TenantSpace.agency_id == agency.id))
    if tenant is None:
        tenant = TenantSpace(
            agency_id=agency.id, agency=agency, namespace=namespace_for(agency.code), cloud_plan=cloud_plan
        )
        session.add(tenant)
        session.flush()
    return tenant


def active_run_id(session: Session, workload_id: int) -> int | None:
    """The id of the workload's run that is still going (at most one), None when none is."""
    return session.scalar(
        select(Run.id).where(Run.workload_id == workload_id, Run.status.in_(ACTIVE_RUN_STATUSES))
    )


def _check_startable(session: Session, workload: Workload, cloud_plan: str) -> None:
    """Everything that would make the run fail for a reason known now is an error before any row."""
    errors: dict[str, str] = {}
    components = components_of(workload.components)
    for index, component in enumerate(components):
        if not component.containerized:
            errors[f"components[{index}].image"] = f"{component.name} is not containerized yet"
    plan = get_cloud_plan(cloud_plan)
    cpu = sum(parse_cpu(c.cpu) * c.replicas for c in components if c.containerized)
    memory = sum(parse_bytes(c.memory) * c.replicas for c in components if c.containerized)
    if cpu > parse_cpu(plan.requests_cpu):
        errors["cpu"] = f"needs {cpu:g} CPU; the {plan.code} plan allows {plan.requests_cpu}"
    if memory > parse_bytes(plan.requests_memory):
        errors["memory"] = f"needs {memory // 2**20} Mi; the {plan.code} plan allows {plan.requests_memory}"
    active = active_run_id(session, workload.id)
    if active is not None:
        raise Conflict(f"run {active} of this workload is still going", run_id=active)
    if errors:
        raise ValidationError(f"{workload.name} cannot be migrated yet", fields=errors)


def _new_run(
    session: Session, actor: Actor, workload: Workload, cloud_plan: str, backend: str, wave_id: int | None
) -> Run:
    agency = session.get(Agency, workload.agency_id)
    assert agency is not None  # a workload's agency is never deleted (foreign key)
    tenant = _tenant(session, agency, cloud_plan)
    _check_startable(session, workload, cloud_plan)
    # Render and validate now: an invalid definition is an error here, not a failed run.
    landing = render_landing_zone(agency, tenant.namespace, get_cloud_plan(tenant.cloud_plan))
    deploy = render_workload(
        workload, components_of(workload.components), tenant.namespace, [d.name for d in workload.depends_on]
    )
    planned = {"landing_zone": [ref_of(m) for m in landing], "deploy": [ref_of(m) for m in deploy]}
    run = Run(
        agency_id=workload.agency_id, workload=workload, wave_id=wave_id, tenant=tenant, backend=backend
    )
    run.steps = [
        RunStep(position=i, name=name, outcome={"objects": planned[name]} if name in planned else {})
        for i, name in enumerate(STEP_NAMES)
    ]
    if workload.status != WorkloadStatus.migrated:
        workload.status = WorkloadStatus.migrating
    session.add(run)
    session.flush()
    session.add(RunLogEntry(run_id=run.id, at=utcnow(), message=f"run of {workload.name} created"))
    trail.record(
        session,
        actor,
        "run",
        run.id,
        "started",
        agency_id=run.agency_id,
        label=workload.name,
        after={
            "workload": workload.name,
            "namespace": tenant.namespace,
            "backend": backend,
            "wave_id": wave_id,
        },
    )
    return run


def start_run(
    session: Session, actor: Actor, workload_id: int, *, cloud_plan: str = "small", backend: str = "gitops"
) -> Run:
    workload = get_workload(session, actor, workload_id)
    policies.require(policies.can_run(actor, workload.agency_id), "run this agency's migrations")
    run = _new_run(session, actor, workload, cloud_plan, backend, None)
    session.commit()
    return run


def start_wave(
    session: Session, actor: Actor, plan_id: int, wave_number: int, *, backend: str = "gitops"
) -> list[Run]:
    """One run per workload of the wave, all or none; what a workload depends on must have moved."""
    plan: MigrationPlan = get_plan(session, actor, plan_id)
    policies.require(policies.can_run(actor, plan.agency_id), "run this agency's migrations")
    wave: Wave | None = next((w for w in plan.waves if w.number == wave_number), None)
    if wave is None or not wave.entries:
        raise ValidationError("nothing to start", fields={"wave": f"wave {wave_number} has no workloads"})
    errors: dict[str, str] = {}
    for entry in wave.entries:
        waiting = [d.name for d in entry.workload.depends_on if d.status != WorkloadStatus.migrated]
        if waiting:
            errors[entry.workload.name] = f"waits for {', '.join(waiting)} to be migrated"
    if errors:
        raise ValidationError("an earlier wave has not finished", fields=errors)
    runs = []
    for entry in wave.entries:
        try:
            runs.append(_new_run(session, actor, entry.workload, plan.cloud_plan, backend, wave.id))
        except ValidationError as exc:
            session.rollback()
            raise ValidationError(
                f"{entry.workload.name}: {exc.message}",
                fields={f"{entry.workload.name}.{k}": v for k, v in exc.fields.items()},
            ) from exc
    session.commit()
    return runs


def cancel_run(session: Session, actor: Actor, run_id: int) -> Run:
    run = get_run(session, actor, run_id)
    policies.require(policies.can_run(actor, run.agency_id), "cancel this agency's runs")
    if run.status not in ACTIVE_RUN_STATUSES:
        raise Conflict(f"the run has ended ({run.status})", status=str(run.status))
    if run.status == RunStatus.rolling_back:
        raise Conflict("the run is already rolling back", status=str(run.status))
    run.cancel_requested = True
    run.next_attempt_at = None
    session.add(
        RunLogEntry(
            run_id=run.id,
            at=utcnow(),
            level="warning",
            message=f"cancel requested by {actor.label or actor.role}",
        )
    )
    trail.record(
        session,
        actor,
        "run",
        run.id,
        "cancel_requested",
        agency_id=run.agency_id,
        label=run.workload.name,
        before={"status": run.status},
        after={"status": run.status, "cancel_requested": True},
    )
    session.commit()
    return run


def run_status(run: Run) -> dict[str, Any]:
    """What the run page polls: progress, step states and the log."""
    return {
        "id": run.id,
        "workload": run.workload.name,
        "status": str(run.status),
        "progress": run.progress,
        "error": run.error,
        "cancel_requested": run.cancel_requested,
        "finished": run.status not in ACTIVE_RUN_STATUSES,
        "steps": [
            {"name": s.name, "status": str(s.status), "attempts": s.attempts, "message": s.message}
            for s in run.steps
        ],
        "log": [
            {"at": e.at.isoformat(), "level": e.level, "step": e.step, "message": e.message} for e in run.log
        ],
    }


@on_agency_deactivation
def agency_has_active_runs(session: Session, agency_id: int) -> FieldMessage | None:
    """An agency with a migration run under way cannot be deactivated (catalog asks before it does)."""
    active = session.scalar(
        select(func.count(Run.id)).where(Run.agency_id == agency_id, Run.status.in_(ACTIVE_RUN_STATUSES))
    )
    if active:
        return FieldMessage("the agency still has %(count)s migration runs under way", count=active)
    return None
