"""Agency-scoped reads of the inventory. Rows of other agencies are simply not found."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from catalog.queries import agency_scope
from core.actors import Actor
from core.errors import NotFound
from onboarding.inventory.models import DataCenter, Workload, WorkloadStatus


def get_workload(session: Session, actor: Actor, workload_id: int) -> Workload:
    workload = session.execute(
        select(Workload)
        .where(Workload.id == workload_id, agency_scope(actor, Workload.agency_id))
        .options(selectinload(Workload.depends_on), selectinload(Workload.services))
    ).scalar_one_or_none()
    if workload is None:
        raise NotFound("no such workload", workload_id=workload_id)
    return workload


def get_data_center(session: Session, actor: Actor, data_center_id: int) -> DataCenter:
    found = session.execute(
        select(DataCenter).where(DataCenter.id == data_center_id, agency_scope(actor, DataCenter.agency_id))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("no such data center", data_center_id=data_center_id)
    return found


def list_workloads(session: Session, actor: Actor, agency_id: int | None = None) -> list[Workload]:
    query = (
        select(Workload)
        .where(agency_scope(actor, Workload.agency_id))
        .order_by(Workload.agency_id, Workload.name)
    )
    if agency_id is not None:
        query = query.where(Workload.agency_id == agency_id)
    return list(
        session.scalars(query.options(selectinload(Workload.assessment), selectinload(Workload.depends_on)))
    )


def list_data_centers(session: Session, actor: Actor, agency_id: int | None = None) -> list[DataCenter]:
    query = select(DataCenter).where(agency_scope(actor, DataCenter.agency_id)).order_by(DataCenter.name)
    if agency_id is not None:
        query = query.where(DataCenter.agency_id == agency_id)
    return list(session.scalars(query))


def consolidation(session: Session, actor: Actor) -> list[dict[str, Any]]:
    """Per data center: workloads still running there, migrated away, and its status."""
    remaining = func.count(Workload.id).filter(Workload.status != WorkloadStatus.migrated)
    migrated = func.count(Workload.id).filter(Workload.status == WorkloadStatus.migrated)
    rows = session.execute(
        select(DataCenter, remaining, migrated)
        .outerjoin(Workload, Workload.data_center_id == DataCenter.id)
        .where(agency_scope(actor, DataCenter.agency_id))
        .group_by(DataCenter.id)
        .order_by(DataCenter.agency_id, DataCenter.name)
    ).all()
    return [{"data_center": dc, "remaining": int(r), "migrated": int(m)} for dc, r, m in rows]
