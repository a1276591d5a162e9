"""The platform's one audit trail: every change to agencies, accounts and roles, API tokens,
milestones, programs, assessments, workloads, data centers, plans and tenant services, and every
sign-in, goes through `record` here.

An entry is added to the session of the change itself, so it commits (or rolls back) with it; the
table refuses UPDATE and DELETE (platform migration 0015). Callers take a `snapshot` of the fields
they audit before and after the change and pass both: the entry keeps only the fields that differ,
as field -> [old, new]. The e-service history (`catalog.audit`, `service_changes`) predates this
trail and stays as it is; e-service changes are also shown on the audit page through it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from catalog.models import AuditEvent
from core import audit
from core.actors import Actor
from core.audit import EVENT_FIELDS, TrailFilter, as_dict, diff, plain, snapshot

__all__ = [
    "EVENT_FIELDS",
    "MAX_PER_PAGE",
    "RESOURCES",
    "TrailFilter",
    "as_dict",
    "count_events",
    "diff",
    "iter_events",
    "list_events",
    "parse_filter",
    "plain",
    "record",
    "snapshot",
]


def record(
    session: Session,
    actor: Actor,
    resource: str,
    resource_id: int | None,
    action: str,
    *,
    agency_id: int | None = None,
    label: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    via: str = "",
) -> AuditEvent:
    """Add one entry to the trail in the caller's transaction (nothing is committed here)."""
    return audit.add_event(
        session,
        AuditEvent,
        actor,
        resource,
        resource_id,
        action,
        agency_id=agency_id,
        label=label,
        before=before,
        after=after,
        via=via,
    )


def count_events(session: Session, filters: TrailFilter) -> int:
    return audit.count_events(session, AuditEvent, filters)


def list_events(
    session: Session, filters: TrailFilter, *, page: int = 1, per_page: int = 50
) -> list[AuditEvent]:
    """One page of entries, newest first; the caller decides what the actor may read."""
    return audit.list_events(session, AuditEvent, filters, page=page, per_page=per_page)


def iter_events(session: Session, filters: TrailFilter, *, batch: int = 1000) -> Iterable[AuditEvent]:
    """Every matching entry, oldest first, in keyset batches (exports for a SIEM)."""
    return audit.iter_events(session, AuditEvent, filters, batch=batch)


RESOURCES = (
    "agency",
    "account",
    "token",
    "sign_in",
    "program",
    "milestone",
    "assessment",
    "data_center",
    "workload",
    "plan",
    "run",
    "tenant_service",
)
MAX_PER_PAGE = 200


def parse_filter(args: Mapping[str, str]) -> TrailFilter:
    """The audit page's and export's query string (`core.audit.parse_filter` over this trail's kinds
    of object)."""
    return audit.parse_filter(args, RESOURCES)
