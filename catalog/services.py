"""Catalog use cases: load → authorise → validate → change → commit once, then tell who listens.

Every change to an e-service writes its history entry in the same transaction. After the commit,
the functions in `AFTER_CHANGE` are called with the ids of the agencies whose catalog changed (the
compliance figures of those agencies must be recomputed); this is the catalog's one hook point.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from catalog import audit, policies, trail
from catalog.models import Agency, EService, ServiceStatus, TenantService
from catalog.queries import descendant_ids, get_agency, get_service, get_service_by_code, search_key
from catalog.schemas import (
    AGENCY_FIELDS,
    ALLOWED_UNDER,
    FieldMessage,
    ServiceInput,
    check_transition,
    parse_agency,
    parse_service,
)
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


AGENCY_AUDITED = ("code", "name_fa", "name_en", "kind", "parent_id", "province_code", "county_code", "active")

InUseCheck = Callable[[Session, int], "FieldMessage | None"]
IN_USE_CHECKS: list[InUseCheck] = []
"""Asked before an agency is deactivated, with the agency's id: a reason it is still in use, or None.
The catalog checks its own rows (active e-services, tenant services, active sub-agencies); onboarding
adds its migration runs here (`onboarding.runs.services`), so the catalog imports nothing of it."""


def on_agency_deactivation(check: InUseCheck) -> InUseCheck:
    """Register a check once (usable as a decorator)."""
    if check not in IN_USE_CHECKS:
        IN_USE_CHECKS.append(check)
    return check


def _audit_agency(
    session: Session, actor: Actor, agency: Agency, action: str, before: Mapping[str, Any], via: str
) -> None:
    trail.record(
        session,
        actor,
        "agency",
        agency.id,
        action,
        agency_id=agency.id,
        label=agency.code,
        before=before,
        after=trail.snapshot(agency, AGENCY_AUDITED),
        via=via,
    )


def _parent_reference(session: Session, actor: Actor, parent_id: Any) -> Agency | None:
    """The parent a request names (None or "" for the top level); 422 naming parent_id when it is
    no agency the actor may read, or one that is deactivated."""
    if parent_id in (None, ""):
        return None
    try:
        parent = get_agency(session, actor, int(parent_id))
    except (NotFound, TypeError, ValueError):
        raise UnknownReference("parent_id", "agency") from None
    if not parent.active:
        raise ValidationError(
            "the parent is deactivated",
            fields={"parent_id": FieldMessage("is deactivated: agencies cannot be added under it")},
        )
    return parent


def _code_taken_by_agency() -> ValidationError:
    return ValidationError(
        "agency code taken", fields={"code": FieldMessage("is already used by another agency")}
    )


def create_agency(
    session: Session, actor: Actor, parent_id: int | None, data: Mapping[str, Any], *, via: str = ""
) -> Agency:
    """A ministry or organization (platform admins), or a sub-agency such as a provincial office
    (also the parent's agency admins). Province and county come from the reference divisions."""
    parent = get_agency(session, actor, parent_id) if parent_id is not None else None
    if not policies.can_create_agency(actor, parent):
        raise NotAuthorized("you may not add an agency here")
    if parent is not None and not parent.active:
        raise ValidationError(
            "the parent is deactivated",
            fields={"parent_id": FieldMessage("is deactivated: agencies cannot be added under it")},
        )
    values = parse_agency(data, parent.kind if parent else None)
    if session.scalar(select(Agency.id).where(Agency.code == values.code)) is not None:
        raise _code_taken_by_agency()
    agency = Agency(
        code=values.code,
        name_fa=values.name_fa,
        name_en=values.name_en,
        kind=values.kind,
        parent_id=parent.id if parent else None,
        province_code=values.province_code or (parent.province_code if parent else None),
        county_code=values.county_code,
        operator_managed=True,
        active=True,
    )
    session.add(agency)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent create of the same code won the race
        session.rollback()
        raise _code_taken_by_agency() from exc
    _audit_agency(session, actor, agency, "created", {}, via)
    session.commit()
    return agency


def _check_agency_version(agency: Agency, expected_version: int | None) -> None:
    if expected_version is not None and agency.version != expected_version:
        raise PreconditionFailed(
            "the agency changed since it was read",
            agency_id=agency.id,
            expected=expected_version,
            current=agency.version,
        )


def _flush_agency(session: Session, agency_id: int) -> None:
    try:
        session.flush()
    except StaleDataError as exc:  # another transaction bumped the version between our read and write
        session.rollback()
        raise PreconditionFailed("the agency changed since it was read", agency_id=agency_id) from exc
    except IntegrityError as exc:
        session.rollback()
        raise _code_taken_by_agency() from exc


def update_agency(
    session: Session,
    actor: Actor,
    agency_id: int,
    changes: Mapping[str, Any],
    *,
    expected_version: int | None,
    via: str = "",
) -> Agency:
    """Change an agency's fields and, when `changes` names another `parent_id`, move it with its
    whole subtree. A move under the agency itself or one of its sub-agencies is refused (a cycle), as
    is a kind that no longer fits under the parent or over the agency's own sub-agencies."""
    agency = get_agency(session, actor, agency_id)
    if not policies.can_change_agency(actor, agency):
        raise NotAuthorized("you may not change this agency")
    _check_agency_version(agency, expected_version)
    before = trail.snapshot(agency, AGENCY_AUDITED)
    fields = {key: value for key, value in changes.items() if key != "parent_id"}
    parent = agency.parent
    if "parent_id" in changes and str(changes["parent_id"] or "") != str(agency.parent_id or ""):
        parent = _parent_reference(session, actor, changes["parent_id"])
        if parent is not None and parent.id in descendant_ids(session, agency.id):
            raise ValidationError(
                "a cycle",
                fields={"parent_id": FieldMessage("cannot be the agency itself or one of its sub-agencies")},
            )
        if not policies.can_move_agency(actor, agency, parent):
            raise NotAuthorized("you may not move this agency there")
    current = {field: before[field] for field in AGENCY_FIELDS}
    values = parse_agency({**current, **fields}, parent.kind if parent else None)
    child_kinds = {child.kind for child in agency.children}
    misfits = sorted(kind.value for kind in child_kinds if kind not in ALLOWED_UNDER[values.kind])
    if misfits:
        raise ValidationError(
            "the kind does not fit the sub-agencies",
            fields={
                "kind": FieldMessage(
                    "a %(kind)s cannot hold its sub-agencies of kind %(kinds)s",
                    kind=values.kind.value,
                    kinds=", ".join(misfits),
                )
            },
        )
    if values.code != agency.code and session.scalar(select(Agency.id).where(Agency.code == values.code)):
        raise _code_taken_by_agency()
    agency.code, agency.name_fa, agency.name_en = values.code, values.name_fa, values.name_en
    agency.kind, agency.province_code, agency.county_code = (
        values.kind,
        values.province_code,
        values.county_code,
    )
    agency.parent_id = parent.id if parent else None
    agency.parent = parent
    if not trail.diff(before, trail.snapshot(agency, AGENCY_AUDITED)):
        return agency
    agency.operator_managed = True
    _flush_agency(session, agency.id)
    action = "moved" if before["parent_id"] != agency.parent_id else "updated"
    _audit_agency(session, actor, agency, action, before, via)
    session.commit()
    return agency


def move_agency(
    session: Session,
    actor: Actor,
    agency_id: int,
    parent_id: int | None,
    *,
    expected_version: int | None,
    via: str = "",
) -> Agency:
    """Move an agency and its subtree under another parent (None: the top level)."""
    return update_agency(
        session, actor, agency_id, {"parent_id": parent_id}, expected_version=expected_version, via=via
    )


def agency_in_use(session: Session, agency_id: int) -> FieldMessage | None:
    """Why the agency cannot be deactivated now, or None."""
    active_services = session.scalar(
        select(func.count(EService.id)).where(
            EService.agency_id == agency_id, EService.status != ServiceStatus.retired
        )
    )
    if active_services:
        return FieldMessage(
            "the agency still has %(count)s e-services that are not retired", count=active_services
        )
    active_children = session.scalar(
        select(func.count(Agency.id)).where(Agency.parent_id == agency_id, Agency.active.is_(True))
    )
    if active_children:
        return FieldMessage(
            "the agency still has %(count)s active sub-agencies: deactivate them first", count=active_children
        )
    tenants = session.scalar(select(func.count(TenantService.id)).where(TenantService.agency_id == agency_id))
    if tenants:
        return FieldMessage("the agency still has %(count)s tenant services on the cloud", count=tenants)
    for check in list(IN_USE_CHECKS):
        reason = check(session, agency_id)
        if reason is not None:
            return reason
    return None


def set_agency_active(
    session: Session,
    actor: Actor,
    agency_id: int,
    active: bool,
    *,
    expected_version: int | None,
    via: str = "",
) -> Agency:
    """Deactivate (refused, with the reason, while the agency is in use) or reactivate an agency. A
    deactivated agency stays, with its history; nothing new is added under it."""
    agency = get_agency(session, actor, agency_id)
    if not policies.can_change_agency(actor, agency):
        raise NotAuthorized("you may not change this agency")
    _check_agency_version(agency, expected_version)
    if agency.active == active:
        return agency
    if active and agency.parent is not None and not agency.parent.active:
        raise ValidationError(
            "the parent is deactivated",
            fields={"active": FieldMessage("the parent agency is deactivated: reactivate it first")},
        )
    if not active:
        reason = agency_in_use(session, agency.id)
        if reason is not None:
            raise ValidationError("the agency is in use", fields={"active": reason}, agency_id=agency.id)
    before = trail.snapshot(agency, AGENCY_AUDITED)
    agency.active = active
    agency.operator_managed = True
    _flush_agency(session, agency.id)
    _audit_agency(session, actor, agency, "activated" if active else "deactivated", before, via)
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
