"""The cloud's first tenant: the employee-feedback system of the Administrative and Recruitment
Organization (ARAO), onboarded through the platform like any agency's workload.

Its inventory mirrors the web part of `charts/employee-feedback` (image, port, replicas, requests,
probes, the Secret it reads by name) plus its own database; a two-wave plan moves the database
first, then the web part, and the last run retires ARAO's own data-center entry. Every step is
idempotent: calling `onboard_first_tenant` again changes nothing once the tenant is running.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Agency
from catalog.tenants import register_tenant_service
from core.actors import Actor
from onboarding.backends.base import Backend
from onboarding.inventory.importer import import_inventory
from onboarding.inventory.models import Workload, WorkloadStatus
from onboarding.plans import services as plans
from onboarding.plans.models import MigrationPlan
from onboarding.runs.engine import advance_run
from onboarding.runs.models import Run
from onboarding.runs.services import active_run_id, start_wave

AGENCY = "ARAO"
SERVICE_CODE = "employee-feedback"
PUBLIC_URL = "https://feedback.cloud.gov.ir"  # config.baseUrl of charts/employee-feedback
CHART = "charts/employee-feedback"
IMAGE = "registry.cloud.gov.ir/govcloud/feedback:0.1.0"  # image.repository + appVersion
SECRET_NAME = "employee-feedback-secrets"  # noqa: S105 - the Secret's name (existingSecret), no value
DATA_CENTER = "مرکز داده سازمان اداری و استخدامی"
PLAN_NAME = "سامانه بازخورد کارکنان در ابر دولت"
CLOUD_PLAN = "medium"
DATABASE = "feedback-db"
WEB = "employee-feedback"

INVENTORY = {
    "agency": AGENCY,
    "data_centers": [{"name": DATA_CENTER, "location": "تهران", "owner": "مرکز فناوری اطلاعات"}],
    "workloads": [
        {
            "name": DATABASE,
            "title": "پایگاه داده سامانه بازخورد",
            "data_center": DATA_CENTER,
            "classification": "confidential",
            "components": [
                {
                    "name": "postgres",
                    "image": "registry.cloud.gov.ir/govcloud/postgres:16",
                    "ports": [5432],
                    "cpu": "2",
                    "memory": "4Gi",
                    "storage": "50Gi",
                    "secrets": ["employee-feedback-db"],
                    "read_only_root": False,
                    "expose": False,
                }
            ],
        },
        {
            "name": WEB,
            "title": "سامانه بازخورد کارکنان",
            "data_center": DATA_CENTER,
            "classification": "internal",
            "depends_on": [DATABASE],
            "components": [
                {
                    # web.* of charts/employee-feedback/values.yaml (requests; replicas = minReplicas)
                    "name": "web",
                    "image": IMAGE,
                    "ports": [8001],
                    "replicas": 4,
                    "cpu": "1",
                    "memory": "512Mi",
                    "secrets": [SECRET_NAME],
                    "liveness_path": "/healthz",
                    "readiness_path": "/readyz",
                }
            ],
        },
    ],
}


@dataclasses.dataclass
class Onboarding:
    tenant_code: str
    plan_id: int
    runs: list[Run]  # the runs started by this call (none when the tenant was already on the cloud)


def onboard_first_tenant(session: Session, actor: Actor, backend: Backend) -> Onboarding:
    """Catalog entry, inventory, plan, then each wave's run started and advanced as far as it goes now.

    A wave starts only when nothing of it is migrated or moving yet and the wave before it has
    moved; a run waiting for a retry is left to the worker's reconciler, and the next call goes on
    from there.
    """
    import_inventory(session, actor, INVENTORY)
    agency_id = session.scalar(select(Agency.id).where(Agency.code == AGENCY))
    assert agency_id is not None  # import_inventory above refuses an unknown agency
    workloads = {w.name: w for w in session.scalars(select(Workload).where(Workload.agency_id == agency_id))}
    tenant = register_tenant_service(
        session,
        actor,
        agency_code=AGENCY,
        code=SERVICE_CODE,
        name_fa="سامانه بازخورد کارکنان دولت",
        name_en="Employee feedback",
        public_url=PUBLIC_URL,
        chart=CHART,
        workload_id=workloads[WEB].id,
    )
    plan = _plan(session, actor, agency_id, workloads)
    started: list[Run] = []
    for number, name in ((1, DATABASE), (2, WEB)):
        workload = workloads[name]
        session.refresh(workload)
        if workload.status == WorkloadStatus.migrated:
            continue
        moving = active_run_id(session, workload.id)
        if moving is not None or any(d.status != WorkloadStatus.migrated for d in workload.depends_on):
            break
        for run in start_wave(session, actor, plan.id, number, backend=backend.name):
            started.append(advance_run(session, run.id, backend))
    return Onboarding(tenant_code=tenant.code, plan_id=plan.id, runs=started)


def _plan(session: Session, actor: Actor, agency_id: int, workloads: dict[str, Workload]) -> MigrationPlan:
    plan = session.scalar(
        select(MigrationPlan).where(MigrationPlan.agency_id == agency_id, MigrationPlan.name == PLAN_NAME)
    )
    if plan is None:
        plan = plans.create_plan(session, actor, agency_id, PLAN_NAME, CLOUD_PLAN)
        plans.add_wave(session, actor, plan.id, 1, "پایگاه داده")
        plans.add_wave(session, actor, plan.id, 2, "وب")
        plans.schedule_workload(session, actor, plan.id, 1, workloads[DATABASE].id)
        plans.schedule_workload(session, actor, plan.id, 2, workloads[WEB].id)
    return plan
