"""The shape both deployables' audit trails share: the platform's (`catalog.trail`, platform
migration 0015) and the feedback service's (`feedback.audit`, feedback migration 0046).

Each deployable has its own `audit_events` table in its own database (built on `AuditEventColumns`),
and the same rules: an entry is added to the session of the change it records, so it commits or
rolls back with it; the database refuses UPDATE and DELETE; an entry keeps only the fields that
changed, as field -> [old, new]. Reading (filters, pages, keyset exports) and the exported fields are
the same too, so one SIEM reads both.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import JSON, DateTime, Integer, Select, String, func, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.actors import Actor
from core.db import utcnow
from core.text import normalize_fa


class AuditEventColumns:
    """One entry: who (actor), when, through what (page, api, cli, seed, task), which resource, and
    each changed field's old and new value."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(200), default="")
    via: Mapped[str] = mapped_column(String(16), default="")
    resource: Mapped[str] = mapped_column(String(32))
    resource_id: Mapped[int | None] = mapped_column(Integer)
    agency_id: Mapped[int | None] = mapped_column(Integer, index=True)  # whose trail it is (None: platform)
    action: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(300), default="")  # the object's code or name at the time
    changes: Mapped[dict[str, list[object]]] = mapped_column(JSON, default=dict)  # field -> [old, new]


Event = TypeVar("Event", bound=AuditEventColumns)


def plain(value: Any) -> Any:
    """A JSON-safe value: enums by value, dates in ISO form, tuples and sets as lists."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return [plain(v) for v in sorted(value, key=str)]
    if isinstance(value, tuple | list):
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


def add_event(
    session: Session,
    model: type[Event],
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
) -> Event:
    """Add one entry to the trail in the caller's transaction (nothing is committed here)."""
    make: Any = model  # a mapped subclass: the declarative constructor takes the columns
    event: Event = make(
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


def filtered(model: type[Event], filters: TrailFilter) -> Select[Any]:
    table: Any = model
    query = select(model)
    if filters.resource:
        query = query.where(table.resource == filters.resource)
    if filters.resource_id is not None:
        query = query.where(table.resource_id == filters.resource_id)
    if filters.agency_ids is not None:
        query = query.where(table.agency_id.in_(list(filters.agency_ids) or [-1]))
    if filters.actor:
        query = query.where(func.lower(table.actor_label).contains(filters.actor.lower(), autoescape=True))
    if filters.action:
        query = query.where(table.action == filters.action)
    if filters.text:
        needle = normalize_fa(filters.text)
        query = query.where(
            or_(
                table.label.contains(filters.text, autoescape=True),
                table.label.contains(needle, autoescape=True),
            )
        )
    if filters.since is not None:
        query = query.where(table.at >= filters.since)
    if filters.until is not None:
        query = query.where(table.at < filters.until)
    return query


def count_events(session: Session, model: type[Event], filters: TrailFilter) -> int:
    return session.scalar(select(func.count()).select_from(filtered(model, filters).subquery())) or 0


def list_events(
    session: Session, model: type[Event], filters: TrailFilter, *, page: int = 1, per_page: int = 50
) -> list[Event]:
    """One page of entries, newest first. The caller decides what the actor may read (the filter's
    agency ids); this module holds no policy."""
    table: Any = model
    query = filtered(model, filters).order_by(table.at.desc(), table.id.desc())
    return list(session.scalars(query.limit(per_page).offset((max(1, page) - 1) * per_page)))


def iter_events(
    session: Session, model: type[Event], filters: TrailFilter, *, batch: int = 1000
) -> Iterable[Event]:
    """Every matching entry, oldest first, in keyset batches (exports for a SIEM)."""
    table: Any = model
    last_id = 0
    while True:
        rows = list(
            session.scalars(
                filtered(model, filters).where(table.id > last_id).order_by(table.id).limit(batch)
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


def as_dict(event: AuditEventColumns) -> dict[str, Any]:
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


def parse_filter(args: Mapping[str, str], resources: Sequence[str]) -> TrailFilter:
    """A trail page's and export's query string; a bad value is a ValidationError naming it. Dates
    are Jalali (`1405/09/16`, either digits), `until` inclusive."""
    from core.dates import parse_jalali
    from core.errors import ValidationError

    errors: dict[str, str] = {}
    resource = (args.get("resource") or "").strip()
    if resource and resource not in resources:
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


def export_body(events: Iterable[AuditEventColumns], fmt: str) -> bytes:
    """The whole export: JSON lines for a SIEM, or CSV (with a BOM, so Excel reads the Persian
    right, and cells written through `core.spreadsheets`)."""
    import csv
    import io
    import json

    from core.spreadsheets import csv_row

    if fmt == "jsonl":
        return "".join(json.dumps(as_dict(e), ensure_ascii=False) + "\n" for e in events).encode("utf-8")
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    csv_row(writer, EVENT_FIELDS)
    for event in events:
        row = as_dict(event)
        row["changes"] = json.dumps(row["changes"], ensure_ascii=False)
        csv_row(writer, [row[column] for column in EVENT_FIELDS])
    return buffer.getvalue().encode("utf-8")
