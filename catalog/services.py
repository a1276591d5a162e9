"""Catalog use cases: load → authorise → validate → change → commit once, then tell who listens.

Every change to an e-service writes its history entry in the same transaction. After the commit,
the functions in `AFTER_CHANGE` are called with the ids of the agencies whose catalog changed (the
compliance figures of those agencies must be recomputed); this is the catalog's one hook point.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from catalog import audit, policies
from catalog.models import Agency, EService, ServiceStatus
from catalog.queries import get_agency, get_service, get_service_by_code, search_key
from catalog.schemas import FieldMessage, ServiceInput, check_transition, parse_agency, parse_service
from core.actors import Actor
from core.errors import (
    Conflict,
    NotAuthorized,
    NotFound,
    PreconditionFailed,
    UnknownReference,
    ValidationError,
)

log = logging.getLogger(__name__)

AgencyIdsHook = Callable[[frozenset[int]], None]
AFTER_CHANGE: list[AgencyIdsHook] = []
"""Called after each committed catalog change (create, update, retire, import) with the ids of the
agencies whose services changed. Compliance registers its recompute here."""


def on_catalog_change(hook: AgencyIdsHook) -> AgencyIdsHook:
    """Register a hook once (usable as a decorator); registering the same function twice is a no-op."""
    if hook not in AFTER_CHANGE:
        AFTER_CHANGE.append(hook)
    return hook


def notify_change(agency_ids: Iterable[int]) -> None:
    """The change is committed already: a failing listener is logged, never undoes or hides it."""
    ids = frozenset(agency_ids)
    if not ids:
        return
    for hook in list(AFTER_CHANGE):
        try:
            hook(ids)
        except Exception:  # a listener's failure must not turn a saved change into an error
            log.exception("catalog after-change hook %r failed for agencies %s", hook, sorted(ids))


# --- agencies -------------------------------------------------------------------------------------


def create_agency(session: Session, actor: Actor, parent_id: int | None, data: Mapping[str, Any]) -> Agency:
    """A ministry or organization (platform admins), or a sub-agency such as a provincial office
    (also the parent's agency admins). Province and county come from the reference divisions."""
    parent = get_agency(session, actor, parent_id) if parent_id is not None else None
    if not policies.can_create_agency(actor, parent):
        raise NotAuthorized("you may not add an agency here")
    values = parse_agency(data, parent.kind if parent else None)
    if session.scalar(select(Agency.id).where(Agency.code == values.code)) is not None:
        raise ValidationError(
            "agency code taken", fields={"code": FieldMessage("is already used by another agency")}
        )
    agency = Agency(
        code=values.code,
        name_fa=values.name_fa,
        name_en=values.name_en,
        kind=values.kind,
        parent_id=parent.id if parent else None,
        province_code=values.province_code or (parent.province_code if parent else None),
        county_code=values.county_code,
    )
    session.add(agency)
    session.commit()
    return agency


# --- services -------------------------------------------------------------------------------------


def _code_taken(agency_id: int, code: str) -> ValidationError:
    return ValidationError(
        "code taken",
        fields={"code": FieldMessage("is already used by another e-service of this agency")},
        agency_id=agency_id,
        code=code,
    )


def apply_values(service: EService, values: ServiceInput) -> None:
    """Set the parsed fields on the service, and its search key (no history entry: callers write it)."""
    for field, value in values.values().items():
        setattr(service, field, value)
    service.search_key = search_key(values.code, values.name_fa, values.name_en)


def create_service(
    session: Session, actor: Actor, agency_id: int, data: Mapping[str, Any], *, via: str = ""
) -> EService:
    try:
        agency = get_agency(session, actor, agency_id)
    except NotFound:  # the form's or the body's agency: bad input, alike for missing and unreadable
        raise UnknownReference("agency", "agency") from None
    if not policies.can_create_service(actor, agency):
        raise NotAuthorized("you may not add e-services to this agency")
    values = parse_service(data)
    if values.status == ServiceStatus.retired:
        raise ValidationError(
            "new services are not retired",
            fields={"status": FieldMessage("a new e-service is a draft or active, not retired")},
        )
    if get_service_by_code(session, agency.id, values.code) is not None:
        raise _code_taken(agency.id, values.code)
    service = EService(agency_id=agency.id)
    apply_values(service, values)
    session.add(service)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent create of the same code won the race
        session.rollback()
        raise _code_taken(agency.id, values.code) from exc
    audit.record(session, actor, service, "created", audit.diff({}, audit.snapshot(service)), via)
    session.commit()
    notify_change({agency.id})
    return service


def _check_version(service: EService, expected_version: int | None) -> None:
    if expected_version is not None and service.version != expected_version:
        raise PreconditionFailed(
            "the e-service changed since it was read",
            service_id=service.id,
            expected=expected_version,
            current=service.version,
        )


def update_service(
    session: Session,
    actor: Actor,
    service_id: int,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None,
    via: str = "",
) -> EService:
    """Change some fields. `expected_version` is what the caller read (ETag / the form's hidden
    field): a stale write raises PreconditionFailed and changes nothing. None skips the check (CLI
    and descriptor imports, which read and write in one transaction)."""
    service = get_service(session, actor, service_id)
    if not policies.can_change_service(actor, service):
        raise NotAuthorized("you may not change this e-service")
    _check_version(service, expected_version)
    before = audit.snapshot(service)
    values = parse_service({**before, **changes})
    check_transition(ServiceStatus(before["status"]), values.status)
    if values.code != service.code and get_service_by_code(session, service.agency_id, values.code):
        raise _code_taken(service.agency_id, values.code)
    changed = audit.diff(before, values.values())
    if not changed:
        return service
    apply_values(service, values)
    try:
        session.flush()
    except StaleDataError as exc:  # another transaction bumped the version between our read and write
        session.rollback()
        raise PreconditionFailed("the e-service changed since it was read", service_id=service_id) from exc
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("the change conflicts with another e-service", service_id=service_id) from exc
    audit.record(session, actor, service, "updated", changed, via)
    session.commit()
    notify_change({service.agency_id})
    return service


def retire_service(
    session: Session, actor: Actor, service_id: int, *, expected_version: int | None, via: str = ""
) -> EService:
    """Retired services stay in the catalog (and its history) but no longer count as offered."""
    service = get_service(session, actor, service_id)
    if not policies.can_retire_service(actor, service):
        raise NotAuthorized("you may not retire this e-service")
    _check_version(service, expected_version)
    if service.status == ServiceStatus.retired:
        return service
    changed = {"status": [service.status.value, ServiceStatus.retired.value]}
    service.status = ServiceStatus.retired
    try:
        session.flush()
    except StaleDataError as exc:
        session.rollback()
        raise PreconditionFailed("the e-service changed since it was read", service_id=service_id) from exc
    audit.record(session, actor, service, "retired", changed, via)
    session.commit()
    notify_change({service.agency_id})
    return service
