"""Figures other areas read (compliance metrics): plain counts, agency-scoped, never committing.

Each figure is read for many agencies in one grouped query (a national snapshot measures every
agency); the one-agency functions are that query for a single agency.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import where_in_if_few
from onboarding.inventory.models import DataCenter, DataCenterStatus, Workload, WorkloadStatus
from onboarding.runs.models import Run, RunStatus, TenantSpace


def _done_counts_by_agency(
    session: Session, agency_ids: Collection[int], model: type[Workload | DataCenter], done: Any
) -> dict[int, tuple[int, int]]:
    """(done, total) rows of `model` for each agency that has any, `done` the condition counted."""
    query = select(model.agency_id, func.count().filter(done), func.count()).group_by(model.agency_id)
    wanted = set(agency_ids)
    return {
        agency_id: (int(count), int(total))
        for agency_id, count, total in session.execute(where_in_if_few(query, model.agency_id, wanted))
        if agency_id in wanted
    }


def workload_migration_counts_by_agency(
    session: Session, agency_ids: Collection[int]
) -> dict[int, tuple[int, int]]:
    """(migrated, total) workloads of each agency that has any; agencies without workloads are absent."""
    return _done_counts_by_agency(session, agency_ids, Workload, Workload.status == WorkloadStatus.migrated)


def data_center_retirement_counts_by_agency(
    session: Session, agency_ids: Collection[int]
) -> dict[int, tuple[int, int]]:
    """(retired, total) data centers of each agency that has any; agencies without any are absent."""
    return _done_counts_by_agency(
        session, agency_ids, DataCenter, DataCenter.status == DataCenterStatus.retired
    )


def agencies_with_running_tenant(session: Session, agency_ids: Collection[int]) -> set[int]:
    """Of the given agencies, those that joined the cloud (see `has_running_tenant`)."""
    query = (
        select(TenantSpace.agency_id)
        .join(Run, TenantSpace.id == Run.tenant_id)
        .where(Run.status == RunStatus.succeeded)
        .distinct()
    )
    wanted = set(agency_ids)
    return set(session.scalars(where_in_if_few(query, TenantSpace.agency_id, wanted))) & wanted


def workload_migration_counts(session: Session, agency_id: int) -> tuple[int, int]:
    """(migrated, total) workloads of one agency."""
    return workload_migration_counts_by_agency(session, [agency_id]).get(agency_id, (0, 0))


def data_center_retirement_counts(session: Session, agency_id: int) -> tuple[int, int]:
    """(retired, total) data centers of one agency."""
    return data_center_retirement_counts_by_agency(session, [agency_id]).get(agency_id, (0, 0))


def has_running_tenant(session: Session, agency_id: int) -> bool:
    """The 'joined the cloud' milestone: a tenant space with at least one workload whose run completed."""
    return agency_id in agencies_with_running_tenant(session, [agency_id])
