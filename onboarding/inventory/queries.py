"""Agency-scoped reads of the inventory. Rows of other agencies are simply not found."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from catalog.models import Agency, EService, ServiceKind, ServiceStatus
from catalog.queries import agency_scope, is_valid_id
from core.actors import Actor
from core.errors import NotFound
from onboarding.inventory.models import DataCenter, Workload, WorkloadStatus


def linkable_inquiries(actor: Actor) -> ColumnElement[bool]:
    """The inquiries a workload of the actor may call: any of the agencies the actor reads, and the
    active inquiries of other agencies (published for other agencies to call). Anything else, such
    as another agency's draft, is answered exactly like an id that does not exist: no oracle."""
    return and_(
        EService.kind == ServiceKind.inquiry,
        or_(agency_scope(actor, EService.agency_id), EService.status == ServiceStatus.active),
    )


def get_workload(session: Session, actor: Actor, workload_id: int) -> Workload:
    if not is_valid_id(workload_id):  # past any row id: no such row, and no out-of-range SQL
        raise NotFound("no such workload", workload_id=workload_id)
    workload = session.execute(
        select(Workload)
        .where(Workload.id == workload_id, agency_scope(actor, Workload.agency_id))
        .options(selectinload(Workload.depends_on), selectinload(Workload.services))
    ).scalar_one_or_none()
    if workload is None:
        raise NotFound("no such workload", workload_id=workload_id)
    return workload


def get_data_center(session: Session, actor: Actor, data_center_id: int) -> DataCenter:
    if not is_valid_id(data_center_id):  # past any row id: no such row, and no out-of-range SQL
        raise NotFound("no such data center", data_center_id=data_center_id)
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
        .options(selectinload(DataCenter.agency))
    ).all()
    return [{"data_center": dc, "remaining": int(r), "migrated": int(m)} for dc, r, m in rows]


def inquiry_references(session: Session, actor: Actor, refs: list[str]) -> tuple[list[int], list[str]]:
    """Inquiries named `AGENCY/code` (how people name them in a form): the ids of those the actor's
    workloads may call, and the references that name none (another agency's draft alike: no oracle)."""
    ids, unknown = [], []
    for ref in refs:
        agency_code, _, code = ref.strip().partition("/")
        found = session.scalar(
            select(EService.id)
            .join(Agency, Agency.id == EService.agency_id)
            .where(
                Agency.code == agency_code.strip().upper(),
                EService.code == code.strip(),
                linkable_inquiries(actor),
            )
        )
        if found is None:
            unknown.append(ref.strip())
        else:
            ids.append(found)
    return ids, unknown


def list_agency_services(session: Session, actor: Actor, agency_id: int) -> list[EService]:
    """The e-services (not inquiries) of one agency the actor reads: what its workload may serve."""
    return list(
        session.scalars(
            select(EService)
            .where(EService.agency_id == agency_id, agency_scope(actor, EService.agency_id))
            .order_by(EService.code)
        )
    )


def workload_by_name(session: Session, actor: Actor, agency_id: int, name: str) -> Workload | None:
    """One agency's workload by its name, if the actor reads it."""
    return session.scalar(
        select(Workload).where(
            Workload.agency_id == agency_id, Workload.name == name, agency_scope(actor, Workload.agency_id)
        )
    )
