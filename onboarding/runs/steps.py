"""What each step does going forward and how it is undone. Every action is idempotent: a step
re-run after a crash (or a retry) converges on the same objects, never duplicates."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from onboarding.backends.base import Backend, BackendError, ObjectRef, PermanentBackendError, describe
from onboarding.inventory.models import DataCenterStatus, Workload, WorkloadStatus
from onboarding.inventory.schemas import components_of
from onboarding.landing.plans import get_cloud_plan, ingress_host
from onboarding.landing.render import render_landing_zone, render_workload
from onboarding.runs.models import ACTIVE_RUN_STATUSES, Run, RunStatus, RunStep, TenantStatus

STEP_NAMES = ("landing_zone", "deploy", "wait_ready", "smoke_check", "cut_over", "retire_legacy")


@dataclasses.dataclass
class StepContext:
    session: Session
    run: Run
    step: RunStep
    backend: Backend
    now: dt.datetime

    def step_named(self, name: str) -> RunStep:
        return next(s for s in self.run.steps if s.name == name)

    def refs(self, name: str) -> list[ObjectRef]:
        return list(self.step_named(name).outcome.get("objects", []))


def landing_zone_manifests(run: Run) -> list[dict]:
    tenant = run.tenant
    return render_landing_zone(tenant.agency, tenant.namespace, get_cloud_plan(tenant.cloud_plan))


def workload_manifests(run: Run) -> list[dict]:
    workload = run.workload
    return render_workload(
        workload,
        components_of(workload.components),
        run.tenant.namespace,
        [d.name for d in workload.depends_on],
    )


def _landing_zone(ctx: StepContext) -> tuple[str, dict]:
    tenant = ctx.run.tenant
    created = ctx.step.outcome.get("created_tenant", tenant.status != TenantStatus.ready)
    refs = ctx.backend.apply(landing_zone_manifests(ctx.run))
    tenant.status = TenantStatus.ready
    verb = "created" if created else "checked"
    return f"landing zone {tenant.namespace} {verb}: {len(refs)} objects", {
        "objects": refs,
        "created_tenant": created,
    }


def _deploy(ctx: StepContext) -> tuple[str, dict]:
    refs = ctx.backend.apply(workload_manifests(ctx.run))
    return f"applied {len(refs)} objects of {ctx.run.workload.name}", {"objects": refs}


def _wait_ready(ctx: StepContext) -> tuple[str, dict]:
    readiness = ctx.backend.status(ctx.refs("deploy"))
    if readiness.failed:
        raise PermanentBackendError(readiness.message)
    if not readiness.ready:
        raise BackendError(f"not ready yet: {readiness.message}")
    return readiness.message, {}


def _smoke_check(ctx: StepContext) -> tuple[str, dict]:
    """Everything the run made is there and running, then one real HTTP request to the workload's
    address (the backend's `smoke` prober). The request's row is kept even when it fails: it is the
    evidence the agency's page shows, and the first of the checks "joined the cloud" reads."""
    refs = ctx.refs("landing_zone") + ctx.refs("deploy")
    readiness = ctx.backend.status(refs)
    if readiness.failed:
        raise PermanentBackendError(f"smoke check: {readiness.message}")
    if not readiness.ready:
        raise BackendError(f"smoke check: {readiness.message}")
    prober = getattr(ctx.backend, "smoke", None)
    if prober is None:
        return f"smoke check passed: {readiness.message}; no workload address is set, no request made", {}
    check = prober.check(ctx.session, ctx.run.workload, ctx.run.tenant.namespace)
    if check is None:
        return f"smoke check passed: {readiness.message}; nothing of the workload is exposed over HTTP", {}
    ctx.session.commit()
    if not check.up:
        code = f" {check.status_code}" if check.status_code is not None else ""
        raise BackendError(f"smoke request to {check.url} failed:{code} {check.error_detail}")
    return (
        f"smoke check passed: {readiness.message}; {check.url} answered {check.status_code} "
        f"in {check.latency_ms} ms",
        {"smoke_url": check.url},
    )


def _cut_over(ctx: StepContext) -> tuple[str, dict]:
    workload = ctx.run.workload
    workload.status = WorkloadStatus.migrated
    host = f"https://{ingress_host(workload.name, ctx.run.tenant.namespace)}"
    return f"{workload.name} now served from the cloud at {host}", {}


def _retire_legacy(ctx: StepContext) -> tuple[str, dict]:
    workload = ctx.run.workload
    workload.legacy_retired_at = workload.legacy_retired_at or ctx.now
    _update_data_center(ctx.session, workload, ctx.now)
    return f"legacy entry of {workload.name} in {workload.data_center.name} retired", {}


def _update_data_center(session: Session, workload: Workload, now: dt.datetime) -> None:
    session.flush()
    statuses = session.scalars(
        select(Workload.status).where(Workload.data_center_id == workload.data_center_id)
    ).all()
    data_center = workload.data_center
    if statuses and all(s == WorkloadStatus.migrated for s in statuses):
        data_center.set_status(DataCenterStatus.retired, now)
    elif (
        any(s == WorkloadStatus.migrated for s in statuses) or data_center.status == DataCenterStatus.retired
    ):
        data_center.set_status(DataCenterStatus.retiring, now)


def _other_runs(ctx: StepContext, *, same_workload: bool) -> bool:
    """Does another run still need what this one made (so its rollback must leave it)?"""
    query = select(Run.id).where(
        Run.id != ctx.run.id,
        Run.tenant_id == ctx.run.tenant_id,
        Run.status.in_([RunStatus.succeeded, *ACTIVE_RUN_STATUSES]),
    )
    if same_workload:
        query = query.where(Run.workload_id == ctx.run.workload_id, Run.status == RunStatus.succeeded)
    return ctx.session.scalar(query.limit(1)) is not None


def _undo_landing_zone(ctx: StepContext) -> str:
    # A landing zone that failed part-way was being created by this run (the tenant never got ready).
    if not ctx.step.outcome.get("created_tenant", ctx.run.tenant.status != TenantStatus.ready):
        return "landing zone existed before this run: kept"
    if _other_runs(ctx, same_workload=False):
        return "landing zone kept: other runs use this tenant space"
    refs = ctx.refs("landing_zone")
    ctx.backend.delete(list(reversed(refs)))
    ctx.run.tenant.status = TenantStatus.provisioning
    return f"deleted {len(refs)} landing-zone objects: " + ", ".join(describe(r) for r in reversed(refs))


def _undo_deploy(ctx: StepContext) -> str:
    if _other_runs(ctx, same_workload=True):
        return "objects kept: an earlier run of this workload completed with them"
    refs = ctx.refs("deploy")
    ctx.backend.delete(list(reversed(refs)))
    return f"deleted {len(refs)} objects: " + ", ".join(describe(r) for r in reversed(refs))


def _undo_cut_over(ctx: StepContext) -> str:
    ctx.run.workload.status = WorkloadStatus.migrating
    return f"traffic of {ctx.run.workload.name} back to its data center"


def _undo_retire_legacy(ctx: StepContext) -> str:
    workload = ctx.run.workload
    workload.legacy_retired_at = None
    workload.status = WorkloadStatus.migrating
    _update_data_center(ctx.session, workload, ctx.now)
    return f"legacy entry of {workload.name} restored"


def _nothing(_ctx: StepContext) -> str:
    return "nothing to undo"


FORWARD: dict[str, Callable[[StepContext], tuple[str, dict]]] = {
    "landing_zone": _landing_zone,
    "deploy": _deploy,
    "wait_ready": _wait_ready,
    "smoke_check": _smoke_check,
    "cut_over": _cut_over,
    "retire_legacy": _retire_legacy,
}
UNDO: dict[str, Callable[[StepContext], str]] = {
    "landing_zone": _undo_landing_zone,
    "deploy": _undo_deploy,
    "wait_ready": _nothing,
    "smoke_check": _nothing,
    "cut_over": _undo_cut_over,
    "retire_legacy": _undo_retire_legacy,
}
