"""Reads of the catalog, always through the actor's agencies; nothing here commits.

An agency-owned row the actor may not read is reported as not found, so one agency cannot even
learn which codes another uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, String, cast, func, literal, select, true, tuple_
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql import Select

from catalog import tree
from catalog.models import Agency, AgencyKind, EService, ServiceChange, ServiceKind, ServiceStatus
from core.actors import Actor
from core.db import is_valid_id
from core.errors import NotFound, require_reference
from core.text import normalize_fa

MAX_PER_PAGE = 200
T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class ServiceFilter:
    agency_id: int | None = None
    agency_code: str | None = None
    kind: ServiceKind | None = None
    maturity: int | None = None
    channel: str | None = None
    status: ServiceStatus | None = None
    text: str = ""


@dataclasses.dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    page: int
    per_page: int
    after: tuple[int, str] | None = None
    """Where the next page starts (the last item's agency id and code), when there is one: a keyset
    cursor, read on the index wherever it points (list_service_rows)."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def search_key(code: str, name_fa: str, name_en: str) -> str:
    return normalize_fa(f"{code} {name_fa} {name_en}")


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --- agencies -------------------------------------------------------------------------------------


def agency_scope(actor: Actor, column: Any) -> ColumnElement[bool]:
    """The rows of the agencies the actor may read: `column` is the row's agency id (true for everything
    when the actor reads every agency)."""
    if actor.reads_everything:
        return true()
    return column.in_(actor.agency_ids or {-1})


def _visible_agencies(actor: Actor) -> Select[Agency]:
    return select(Agency).where(agency_scope(actor, Agency.id))


def get_agency(session: Session, actor: Actor, agency_id: int) -> Agency:
    agency = session.get(Agency, agency_id) if is_valid_id(agency_id) else None
    if agency is None or not actor.can_read_agency(agency.id):
        raise NotFound("no such agency", agency_id=agency_id)
    return agency


def agency_reference(session: Session, agency_id: int, field: str = "agency_id") -> Agency:
    """The agency a request names by id, for a service that has already authorised the actor for
    that id: a missing one is bad input naming the field (422), never a foreign-key failure."""
    return require_reference(
        session.get(Agency, agency_id) if is_valid_id(agency_id) else None, field, "agency"
    )


def get_agency_by_code(session: Session, actor: Actor, code: str) -> Agency:
    code = code.strip().upper()
    agency = session.scalar(select(Agency).where(Agency.code == code)) if "\x00" not in code else None
    if agency is None or not actor.can_read_agency(agency.id):
        raise NotFound("no such agency", code=code)
    return agency


def list_agencies(
    session: Session, actor: Actor, *, text: str = "", kind: AgencyKind | None = None
) -> list[Agency]:
    """Agencies the actor may read, ministries first, then by code."""
    query = _visible_agencies(actor)
    if kind is not None:
        query = query.where(Agency.kind == kind)
    agencies = list(session.scalars(query.order_by(Agency.code)))
    needle = normalize_fa(text)
    if needle:
        agencies = [a for a in agencies if needle in search_key(a.code, a.name_fa, a.name_en)]
    order = {AgencyKind.ministry: 0, AgencyKind.organization: 1}
    return sorted(agencies, key=lambda a: (order.get(a.kind, 2), a.code))


def list_sub_agencies(session: Session, actor: Actor, agency_id: int) -> list[Agency]:
    query = _visible_agencies(actor).where(Agency.parent_id == agency_id).order_by(Agency.code)
    return list(session.scalars(query))


def descendant_ids(session: Session, agency_id: int) -> set[int]:
    """The agency and every agency below it (what its admins and members act for): one range of the
    path index (catalog.tree)."""
    return set(tree.subtree_ids(session, agency_id))


def count_services_by_agency(session: Session, actor: Actor) -> dict[int, int]:
    query = (
        select(EService.agency_id, func.count())
        .where(agency_scope(actor, EService.agency_id))
        .group_by(EService.agency_id)
    )
    return {agency_id: count for agency_id, count in session.execute(query)}


# --- services -------------------------------------------------------------------------------------


def get_service(session: Session, actor: Actor, service_id: int) -> EService:
    service = session.get(EService, service_id) if is_valid_id(service_id) else None
    if service is None or not actor.can_read_agency(service.agency_id):
        raise NotFound("no such e-service", service_id=service_id)
    return service


def get_service_by_code(session: Session, agency_id: int, code: str) -> EService | None:
    """Unscoped: for uniqueness checks inside services that have already authorised the agency."""
    return session.scalar(select(EService).where(EService.agency_id == agency_id, EService.code == code))


def _filtered(actor: Actor, filters: ServiceFilter, *columns: Any) -> Select[Any]:
    query = select(*(columns or (EService,))).where(agency_scope(actor, EService.agency_id))
    if filters.agency_id is not None:
        query = query.where(EService.agency_id == filters.agency_id)
    if filters.agency_code:
        query = query.where(
            EService.agency_id.in_(select(Agency.id).where(Agency.code == filters.agency_code.upper()))
        )
    if filters.kind is not None:
        query = query.where(EService.kind == filters.kind)
    if filters.maturity is not None:
        query = query.where(EService.maturity == filters.maturity)
    if filters.status is not None:
        query = query.where(EService.status == filters.status)
    if filters.channel:
        # channels is a JSON list of plain words: the quoted word is unambiguous in its text
        query = query.where(cast(EService.channels, String).like(f'%"{filters.channel}"%'))
    needle = normalize_fa(filters.text)
    if needle:
        query = query.where(EService.search_key.like(_like_pattern(needle), escape="\\"))
    return query


def list_services(
    session: Session, actor: Actor, filters: ServiceFilter, *, page: int = 1, per_page: int = 50
) -> Page[EService]:
    """One page of the services the actor may read, by agency then code."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    total = session.scalar(_filtered(actor, filters, func.count(EService.id))) or 0
    # Deferred join: find the page's ids on the (agency_id, code, id) index alone, then load those
    # rows; a deep OFFSET then skips index entries instead of whole rows.
    ids = (
        _filtered(actor, filters, EService.id)
        .order_by(EService.agency_id, EService.code)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .scalar_subquery()
    )
    items = list(
        session.scalars(
            select(EService)
            .options(joinedload(EService.agency))
            .where(EService.id.in_(ids))
            .order_by(EService.agency_id, EService.code)
        )
    )
    return Page(items=items, total=total, page=page, per_page=per_page)


SERVICE_ROW_COLUMNS = (
    EService.id,
    EService.agency_id,
    Agency.code.label("agency_code"),
    EService.version,
    EService.created_at,
    EService.updated_at,
    EService.code,
    EService.name_fa,
    EService.name_en,
    EService.kind,
    EService.audience,
    EService.channels,
    EService.maturity,
    EService.online_m2m,
    EService.yearly_volume,
    EService.public_url,
    EService.owner_name,
    EService.owner_email,
    EService.owner_phone,
    EService.status,
)


def list_service_rows(
    session: Session,
    actor: Actor,
    filters: ServiceFilter,
    *,
    page: int = 1,
    per_page: int = 50,
    after: tuple[int, str] | None = None,
) -> Page[Any]:
    """list_services as plain rows (`SERVICE_ROW_COLUMNS`), for the API: a page that goes straight to
    JSON needs no objects. With `after` (a previous page's `Page.after`) the page starts just after
    that service on the (agency_id, code) index, at the same cost wherever it is, instead of skipping
    `page - 1` pages of it."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    total = session.scalar(_filtered(actor, filters, func.count(EService.id))) or 0
    ids = _filtered(actor, filters, EService.id).order_by(EService.agency_id, EService.code)
    if after is not None:
        ids = ids.where(
            tuple_(EService.agency_id, EService.code) > tuple_(literal(after[0]), literal(after[1]))
        )
    else:
        ids = ids.offset((page - 1) * per_page)
    rows = list(
        session.execute(
            select(*SERVICE_ROW_COLUMNS)
            .join(Agency, Agency.id == EService.agency_id)
            .where(EService.id.in_(ids.limit(per_page + 1).scalar_subquery()))
            .order_by(EService.agency_id, EService.code)
        )
    )
    more = len(rows) > per_page
    rows = rows[:per_page]
    last = (rows[-1].agency_id, rows[-1].code) if more else None
    return Page(items=rows, total=total, page=page, per_page=per_page, after=last)


def list_service_history(session: Session, actor: Actor, service_id: int) -> list[ServiceChange]:
    """The service's history, newest first (the audit log entries of that one service)."""
    service = get_service(session, actor, service_id)
    return list(
        session.scalars(
            select(ServiceChange)
            .where(ServiceChange.service_id == service.id)
            .order_by(ServiceChange.at.desc(), ServiceChange.id.desc())
        )
    )


def list_writable_agencies(session: Session, actor: Actor) -> list[Agency]:
    """Agencies the actor may add e-services to (the choices of the create form)."""
    query = select(Agency).order_by(Agency.code)
    if not actor.is_platform_admin:
        query = query.where(Agency.id.in_(actor.agency_ids or {-1}))
    return [a for a in session.scalars(query) if actor.can_write_agency(a.id)]
