"""Where each tenant service stands: its workload's latest run and its agency's landing zone.

A tenant is "on the cloud" when its workload's latest run succeeded; the portal shows this on the
home page and the tenant page. Reads only; nothing here commits.
"""

from __future__ import annotations

import dataclasses
import enum

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog.models import TenantService
from catalog.tenants import get_tenant_service, list_tenant_services
from onboarding.inventory.models import Workload
from onboarding.landing.plans import CloudPlan, get_cloud_plan, ingress_host
from onboarding.runs.models import ACTIVE_RUN_STATUSES, Run, RunStatus, TenantSpace


class TenantState(enum.StrEnum):
    running = "running"  # the latest run succeeded: served from the cloud
    onboarding = "onboarding"  # a run is going
    stopped = "stopped"  # the latest run ended without success (rolled back, cancelled, failed)
    planned = "planned"  # registered, no run yet


@dataclasses.dataclass(frozen=True)
class TenantStatus:
    service: TenantService
    state: TenantState
    workload: Workload | None
    run: Run | None
    space: TenantSpace | None
    cloud_plan: CloudPlan | None

    @property
    def cloud_host(self) -> str:
        """The platform's own address of the workload (the Ingress the run made)."""
        if self.workload is None or self.space is None:
            return ""
        return f"https://{ingress_host(self.workload.name, self.space.namespace)}"


def _state(run: Run | None) -> TenantState:
    if run is None:
        return TenantState.planned
    if run.status == RunStatus.succeeded:
        return TenantState.running
    if run.status in ACTIVE_RUN_STATUSES:
        return TenantState.onboarding
    return TenantState.stopped


def _status(
    service: TenantService, workload: Workload | None, run: Run | None, space: TenantSpace | None
) -> TenantStatus:
    return TenantStatus(
        service=service,
        state=_state(run),
        workload=workload,
        run=run,
        space=space,
        cloud_plan=get_cloud_plan(space.cloud_plan) if space is not None else None,
    )


def list_tenant_statuses(session: Session) -> list[TenantStatus]:
    """Every tenant's status in three reads (workloads, their latest runs, the tenant spaces); the
    runs' steps are not loaded, as the list never shows them."""
    services = list_tenant_services(session)
    workload_ids = {service.workload_id for service in services if service.workload_id}
    agency_ids = {service.agency_id for service in services}
    workloads: dict[int, Workload] = {}
    runs: dict[int, Run] = {}
    if workload_ids:
        workloads = {w.id: w for w in session.scalars(select(Workload).where(Workload.id.in_(workload_ids)))}
        latest = select(func.max(Run.id)).where(Run.workload_id.in_(workload_ids)).group_by(Run.workload_id)
        runs = {run.workload_id: run for run in session.scalars(select(Run).where(Run.id.in_(latest)))}
    spaces: dict[int, TenantSpace] = {}
    if agency_ids:
        spaces = {
            space.agency_id: space
            for space in session.scalars(select(TenantSpace).where(TenantSpace.agency_id.in_(agency_ids)))
        }
    statuses = []
    for service in services:
        workload = workloads.get(service.workload_id) if service.workload_id else None
        run = runs.get(workload.id) if workload is not None else None
        statuses.append(_status(service, workload, run, spaces.get(service.agency_id)))
    return statuses


def get_tenant_status(session: Session, code: str) -> TenantStatus:
    service = get_tenant_service(session, code)
    workload = session.get(Workload, service.workload_id) if service.workload_id else None
    run = None
    if workload is not None:
        run = session.scalar(
            select(Run)
            .where(Run.workload_id == workload.id)
            .options(selectinload(Run.steps))
            .order_by(Run.id.desc())
            .limit(1)
        )
    space = session.scalar(select(TenantSpace).where(TenantSpace.agency_id == service.agency_id))
    return _status(service, workload, run, space)
