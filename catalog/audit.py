"""The append-only history of every e-service: who, when, what changed, old and new values.

Entries are added to the session of the change itself, so they commit (or roll back) with it; the
table refuses UPDATE and DELETE at the database level (platform migration 0005).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from catalog.models import EService, ServiceChange
from catalog.schemas import SERVICE_FIELDS
from core.actors import Actor
from core.db import utcnow

AUDITED_FIELDS = SERVICE_FIELDS  # every field a person can change is kept in the history


def _plain(value: Any) -> Any:
    if hasattr(value, "value"):  # enums
        return value.value
    if isinstance(value, tuple):
        return list(value)
    return value


def snapshot(service: EService) -> dict[str, Any]:
    return {field: _plain(getattr(service, field)) for field in AUDITED_FIELDS}


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value differs, as field -> [old, new]."""
    return {
        field: [_plain(old.get(field)), _plain(new.get(field))]
        for field in AUDITED_FIELDS
        if field in new and _plain(old.get(field)) != _plain(new.get(field))
    }


def entry(
    actor: Actor, service_id: int, agency_id: int, action: str, changes: dict[str, list[Any]], via: str
) -> dict[str, Any]:
    """Row values for a history entry (services insert them in bulk for descriptor imports)."""
    return {
        "service_id": service_id,
        "agency_id": agency_id,
        "actor_id": actor.id,
        "actor_label": actor.label or str(actor.role),
        "action": action,
        "via": via,
        "changes": changes,
        "at": utcnow(),
    }


def entries(
    actor: Actor,
    agency_id: int,
    action: str,
    changes: Iterable[tuple[int, dict[str, list[Any]]]],
    via: str,
) -> list[dict[str, Any]]:
    """Row values of one action's history entries on many services of an agency (a bulk import),
    written at one moment by one actor; `changes` pairs each service's id with its changes."""
    first = entry(actor, 0, agency_id, action, {}, via)
    return [{**first, "service_id": service_id, "changes": changed} for service_id, changed in changes]


def record(
    session: Session, actor: Actor, service: EService, action: str, changes: dict[str, list[Any]], via: str
) -> ServiceChange:
    change = ServiceChange(**entry(actor, service.id, service.agency_id, action, changes, via))
    session.add(change)
    return change
