"""Figures other areas read (compliance metrics): plain counts, agency-scoped, never committing."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onboarding.inventory.models import DataCenter, DataCenterStatus, Workload, WorkloadStatus
from onboarding.runs.models import Run, RunStatus, TenantSpace


def workload_migration_counts(session: Session, agency_id: int) -> tuple[int, int]:
    """(migrated, total) workloads of one agency."""
    migrated = func.count().filter(Workload.status == WorkloadStatus.migrated)
    row = session.execute(select(migrated, func.count()).where(Workload.agency_id == agency_id)).one()
    return int(row[0]), int(row[1])


def data_center_retirement_counts(session: Session, agency_id: int) -> tuple[int, int]:
    """(retired, total) data centers of one agency."""
    retired = func.count().filter(DataCenter.status == DataCenterStatus.retired)
    row = session.execute(select(retired, func.count()).where(DataCenter.agency_id == agency_id)).one()
    return int(row[0]), int(row[1])


def has_running_tenant(session: Session, agency_id: int) -> bool:
    """The 'joined the cloud' milestone: a tenant space with at least one workload whose run completed."""
    found = session.execute(
        select(Run.id)
        .join(TenantSpace, TenantSpace.id == Run.tenant_id)
        .where(TenantSpace.agency_id == agency_id, Run.status == RunStatus.succeeded)
        .limit(1)
    ).first()
    return found is not None
