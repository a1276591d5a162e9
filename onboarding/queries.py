"""Figures other areas read (compliance metrics): plain counts, agency-scoped, never committing.

Each figure is read for many agencies in one grouped query (a national snapshot measures every
agency); the one-agency functions are that query for a single agency.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from onboarding.inventory.models import DataCenter, DataCenterStatus, Workload, WorkloadStatus
from onboarding.runs.models import Run, RunStatus, TenantSpace

IN_FILTER_LIMIT = 1000
"""Up to this many agencies are filtered in SQL; above it the query reads every agency's group and
the unwanted ones are dropped in Python (one scan beats a huge IN list)."""


def _for_agencies(query: Select, column, agency_ids: Collection[int]) -> Select:  # type: ignore[no-untyped-def]
    return query.where(column.in_(agency_ids)) if len(agency_ids) <= IN_FILTER_LIMIT else query


def workload_migration_counts_by_agency(
    session: Session, agency_ids: Collection[int]
) -> dict[int, tuple[int, int]]:
    """(migrated, total) workloads of each agency that has any; agencies without workloads are absent."""
    migrated = func.count().filter(Workload.status == WorkloadStatus.migrated)
    query = select(Workload.agency_id, migrated, func.count()).group_by(Workload.agency_id)
    wanted = set(agency_ids)
    return {
        agency_id: (int(done), int(total))
        for agency_id, done, total in session.execute(_for_agencies(query, Workload.agency_id, wanted))
        if agency_id in wanted
    }


def data_center_retirement_counts_by_agency(
    session: Session, agency_ids: Collection[int]
) -> dict[int, tuple[int, int]]:
    """(retired, total) data centers of each agency that has any; agencies without any are absent."""
    retired = func.count().filter(DataCenter.status == DataCenterStatus.retired)
    query = select(DataCenter.agency_id, retired, func.count()).group_by(DataCenter.agency_id)
    wanted = set(agency_ids)
    return {
        agency_id: (int(done), int(total))
        for agency_id, done, total in session.execute(_for_agencies(query, DataCenter.agency_id, wanted))
        if agency_id in wanted
    }


def agencies_with_running_tenant(session: Session, agency_ids: Collection[int]) -> set[int]:
    """Of the given agencies, those that joined the cloud (see `has_running_tenant`)."""
    query = (
        select(TenantSpace.agency_id)
        .join(Run, TenantSpace.id == Run.tenant_id)
        .where(Run.status == RunStatus.succeeded)
        .distinct()
    )
    wanted = set(agency_ids)
    return set(session.scalars(_for_agencies(query, TenantSpace.agency_id, wanted))) & wanted


def workload_migration_counts(session: Session, agency_id: int) -> tuple[int, int]:
    """(migrated, total) workloads of one agency."""
    return workload_migration_counts_by_agency(session, [agency_id]).get(agency_id, (0, 0))


def data_center_retirement_counts(session: Session, agency_id: int) -> tuple[int, int]:
    """(retired, total) data centers of one agency."""
    return data_center_retirement_counts_by_agency(session, [agency_id]).get(agency_id, (0, 0))


def has_running_tenant(session: Session, agency_id: int) -> bool:
    """The 'joined the cloud' milestone: a tenant space with at least one workload whose run completed."""
    return agency_id in agencies_with_running_tenant(session, [agency_id])
