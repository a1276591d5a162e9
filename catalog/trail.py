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

import dataclasses
import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from catalog.models import AuditEvent
from core.actors import Actor
from core.db import utcnow
from core.text import normalize_fa


def plain(value: Any) -> Any:
    """A JSON-safe value: enums by value, dates in ISO form, tuples and sets as lists."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return (
            [plain(v) for v in sorted(value, key=str)]
            if isinstance(value, set | frozenset)
            else [plain(v) for v in value]
        )
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {field: plain(getattr(obj, field)) for field in fields}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value differs, as field -> [old, new] (a field on one side only counts too)."""
    fields = list(before) + [f for f in after if f not in before]
    return {
        field: [plain(before.get(field)), plain(after.get(field))]
        for field in fields
        if plain(before.get(field)) != plain(after.get(field))
    }


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
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.id,
        actor_label=(actor.label or str(actor.role))[:200],
        via=via[:16],
        resource=resource,
        resource_id=resource_id,
        agency_id=agency_id,
        action=action,
        label=label[:300],
        changes=diff(before or {}, after or {}),
    )
    session.add(event)
    return event


# --- reading the trail ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TrailFilter:
    resource: str = ""
    resource_id: int | None = None
    agency_ids: Sequence[int] | None = None  # None: every agency (and the platform's own entries)
    actor: str = ""
    action: str = ""
    text: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def _filtered(filters: TrailFilter) -> Select[Any]:
    query = select(AuditEvent)
    if filters.resource:
        query = query.where(AuditEvent.resource == filters.resource)
    if filters.resource_id is not None:
        query = query.where(AuditEvent.resource_id == filters.resource_id)
    if filters.agency_ids is not None:
        query = query.where(AuditEvent.agency_id.in_(list(filters.agency_ids) or [-1]))
    if filters.actor:
        query = query.where(
            func.lower(AuditEvent.actor_label).contains(filters.actor.lower(), autoescape=True)
        )
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.text:
        needle = normalize_fa(filters.text)
        query = query.where(
            or_(
                AuditEvent.label.contains(filters.text, autoescape=True),
                AuditEvent.label.contains(needle, autoescape=True),
            )
        )
    if filters.since is not None:
        query = query.where(AuditEvent.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEvent.at < filters.until)
    return query


def count_events(session: Session, filters: TrailFilter) -> int:
    return session.scalar(select(func.count()).select_from(_filtered(filters).subquery())) or 0


def list_events(
    session: Session, filters: TrailFilter, *, page: int = 1, per_page: int = 50
) -> list[AuditEvent]:
    """One page of entries, newest first. The caller decides what the actor may read (the filter's
    agency ids); this module holds no policy."""
    query = _filtered(filters).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    return list(session.scalars(query.limit(per_page).offset((max(1, page) - 1) * per_page)))


def iter_events(session: Session, filters: TrailFilter, *, batch: int = 1000) -> Iterable[AuditEvent]:
    """Every matching entry, oldest first, in keyset batches (exports for a SIEM)."""
    last_id = 0
    while True:
        rows = list(
            session.scalars(
                _filtered(filters).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
            )
        )
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id


# The fields of an event as the API, the JSON-lines and the CSV exports give it, in that order.
EVENT_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor",
    "via",
    "resource",
    "resource_id",
    "agency_id",
    "action",
    "label",
    "changes",
)


def as_dict(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor": event.actor_label,
        "via": event.via,
        "resource": event.resource,
        "resource_id": event.resource_id,
        "agency_id": event.agency_id,
        "action": event.action,
        "label": event.label,
        "changes": event.changes,
    }


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
    """The audit page's and export's query string; a bad value is a ValidationError naming it. Dates
    are Jalali (`1405/09/16`, either digits), `until` inclusive."""
    from core.dates import parse_jalali
    from core.errors import ValidationError

    errors: dict[str, str] = {}
    resource = (args.get("resource") or "").strip()
    if resource and resource not in RESOURCES:
        errors["resource"] = "is not a kind of object the trail records"
    dates: dict[str, dt.datetime | None] = {"since": None, "until": None}
    for field in dates:
        text = (args.get(field) or "").strip()
        if not text:
            continue
        try:
            day = parse_jalali(text)
        except ValueError:
            errors[field] = "must be a Jalali date such as 1405/09/16"
            continue
        if field == "until":
            day = day + dt.timedelta(days=1)
        dates[field] = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    if errors:
        raise ValidationError("invalid filter", fields=errors)
    return TrailFilter(
        resource=resource,
        actor=(args.get("actor") or "").strip()[:200],
        action=(args.get("action") or "").strip()[:32],
        text=(args.get("q") or "").strip()[:300],
        since=dates["since"],
        until=dates["until"],
    )
