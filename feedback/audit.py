"""The feedback service's audit trail: employees (deactivated, reactivated, code reissued), counties,
survey questions, accounts (dashboard accounts created, reset, deactivated; operators' account
changes; own password changes) and sign-ins (succeeded, failed, refused for too many tries), in the
feedback database.

The same shape and rules as the platform's (`core.audit`): an entry is added to the session of the
change it records and commits with it, the table refuses UPDATE and DELETE (feedback migration
0046), and each entry keeps only the fields that changed. Registry admins search and export it at
`/admin/audit`; an employee's entries are on its page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Index
from sqlalchemy.orm import Session

from core import audit
from core.actors import Actor, Role
from core.audit import AuditEventColumns, TrailFilter
from feedback.db import FeedbackBase


class AuditEvent(AuditEventColumns, FeedbackBase):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_resource_resource_id", "resource", "resource_id"),)


RESOURCES = ("employee", "county", "question", "account", "sign_in")


def record(
    session: Session,
    actor: Actor,
    resource: str,
    resource_id: int | None,
    action: str,
    *,
    label: str = "",
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    via: str = "",
) -> AuditEvent:
    """Add one entry in the caller's transaction. Without `via`, the system actor is an operator's
    command and anyone else a page (the feedback service has no API that changes these objects)."""
    return audit.add_event(
        session,
        AuditEvent,
        actor,
        resource,
        resource_id,
        action,
        label=label,
        before=before,
        after=after,
        via=via or ("cli" if actor.role == Role.system else "page"),
    )


def list_events(
    session: Session, filters: TrailFilter, *, page: int = 1, per_page: int = 50
) -> list[AuditEvent]:
    return audit.list_events(session, AuditEvent, filters, page=page, per_page=per_page)


def count_events(session: Session, filters: TrailFilter) -> int:
    return audit.count_events(session, AuditEvent, filters)


def iter_events(session: Session, filters: TrailFilter) -> Iterable[AuditEvent]:
    return audit.iter_events(session, AuditEvent, filters)


def parse_filter(args: Mapping[str, str]) -> TrailFilter:
    return audit.parse_filter(args, RESOURCES)
