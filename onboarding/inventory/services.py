"""Inventory use cases: load → authorise → validate → change → commit once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import trail
from catalog.models import Agency, EService
from catalog.queries import agency_reference, is_valid_id
from core.actors import Actor
from core.dates import utcnow
from core.errors import Conflict, PreconditionFailed, ValidationError
from onboarding import policies
from onboarding.inventory import questionnaire
from onboarding.inventory.models import (
    Assessment,
    Classification,
    DataCenter,
    DataCenterStatus,
    Strategy,
    Workload,
)
from onboarding.inventory.queries import get_data_center, get_workload, linkable_inquiries
from onboarding.inventory.schemas import DNS_LABEL, parse_components

MAX_NAME = 40
# Ids are at most catalog's MAX_ID (2**31 - 1), which also keeps workload-component-data within
# Kubernetes' 63 characters.


def _workload_state(workload: Workload) -> dict[str, Any]:
    """What the audit trail keeps of a workload: every field a person sets, links as sorted ids."""
    if workload.id is None:
        return {}
    return {
        **trail.snapshot(workload, ("name", "title", "data_center_id", "classification", "components")),
        "service_ids": sorted(s.id for s in workload.services),
        "inquiry_ids": sorted(s.id for s in workload.inquiries),
        "depends_on_ids": sorted(w.id for w in workload.depends_on),
    }


def _audit(
    session: Session,
    actor: Actor,
    resource: str,
    obj: Any,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    label: str,
    via: str,
) -> None:
    trail.record(
        session,
        actor,
        resource,
        obj.id,
        action,
        agency_id=obj.agency_id,
        label=label,
        before=before,
        after=after,
        via=via,
    )


def _locked_at_version(session: Session, row: Any, expected_version: int | None, what: str) -> None:
    """Lock the row (PostgreSQL: until the commit; SQLite serializes writers anyway), re-read it, and
    refuse a write based on a stale read: `expected_version` is what the caller read (If-Match, the
    form's hidden field); None skips the check (imports and commands)."""
    session.refresh(row, with_for_update=True)
    if expected_version is not None and row.version != expected_version:
        raise PreconditionFailed(
            f"the {what} changed since it was read", expected=expected_version, current=row.version
        )


def _ids(values: list[int]) -> list[int]:
    """Ids that can name a row: PostgreSQL integers (anything else names nothing, and must not reach SQL)."""
    return [v for v in values if is_valid_id(v)] or [-1]


def _agency(session: Session, actor: Actor, agency_id: int) -> Agency:
    """The agency a request names, once the actor may change it (so a missing agency and another
    agency's answer alike for an agency member); missing → 422 on `agency_id`."""
    policies.require(policies.can_change(actor, agency_id), "change this agency's inventory")
    return agency_reference(session, agency_id)


INTEGER_MAX = 2**31 - 1
BIG_INTEGER_MAX = 2**63 - 1
DATA_CENTER_CAPACITY = ("servers", "racks", "power_kw", "yearly_cost_rials")
DATA_CENTER_AUDITED = ("name", "location", "owner", "status", *DATA_CENTER_CAPACITY)


def set_capacity(data_center: DataCenter, figures: dict[str, int | None]) -> None:
    for key, number in figures.items():
        setattr(data_center, key, number)


def capacity_figures(changes: dict[str, Any], current: Any, errors: dict[str, str]) -> dict[str, int | None]:
    """Capacity figures are counts and money: an empty value means unknown, never zero; a figure past
    what its column holds is refused here rather than failing in the database."""
    figures: dict[str, int | None] = {}
    for key in DATA_CENTER_CAPACITY:
        value = changes.get(key, getattr(current, key, None))
        if value is None or value == "":
            figures[key] = None
            continue
        number = _whole_number(value)
        if number is None or number < 0:
            errors[key] = "a non-negative whole number"
        elif number > (BIG_INTEGER_MAX if key == "yearly_cost_rials" else INTEGER_MAX):
            errors[key] = "too large"
        else:
            figures[key] = number
    return figures


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def create_data_center(
    session: Session,
    actor: Actor,
    agency_id: int,
    name: str,
    location: str = "",
    owner: str = "",
    *,
    capacity: dict[str, Any] | None = None,
    via: str = "",
) -> DataCenter:
    _agency(session, actor, agency_id)
    name = name.strip()
    if not name:
        raise ValidationError("a data center needs a name", fields={"name": "required"})
    errors: dict[str, str] = {}
    figures = capacity_figures(capacity or {}, None, errors)
    if errors:
        raise ValidationError("the data center has invalid fields", fields=errors)
    if session.scalar(
        select(DataCenter.id).where(DataCenter.agency_id == agency_id, DataCenter.name == name)
    ):
        raise Conflict("a data center with this name exists", fields={"name": "already used"})
    data_center = DataCenter(
        agency_id=agency_id, name=name, location=location.strip(), owner=owner.strip(), **figures
    )
    session.add(data_center)
    session.flush()
    after = trail.snapshot(data_center, DATA_CENTER_AUDITED)
    _audit(session, actor, "data_center", data_center, "created", {}, after, name, via)
    session.commit()
    return data_center


def set_data_center_status(
    session: Session, actor: Actor, data_center_id: int, status: str, *, via: str = ""
) -> DataCenter:
    return update_data_center(
        session, actor, data_center_id, {"status": status}, expected_version=None, via=via
    )


def update_data_center(
    session: Session,
    actor: Actor,
    data_center_id: int,
    changes: dict[str, Any],
    *,
    expected_version: int | None,
    via: str = "",
) -> DataCenter:
    """Change a data center's name, location, owner, status or capacity figures."""
    data_center = get_data_center(session, actor, data_center_id)
    policies.require(policies.can_change(actor, data_center.agency_id), "change this agency's inventory")
    _locked_at_version(session, data_center, expected_version, "data center")
    before = trail.snapshot(data_center, DATA_CENTER_AUDITED)
    errors: dict[str, str] = {}
    for key in sorted(set(changes) - set(DATA_CENTER_AUDITED)):
        errors[key] = "is not a field of a data center"
    name = str(changes.get("name", data_center.name) or "").strip()
    if not name:
        errors["name"] = "required"
    elif len(name) > 200:
        errors["name"] = "at most 200 characters"
    elif name != data_center.name and session.scalar(
        select(DataCenter.id).where(DataCenter.agency_id == data_center.agency_id, DataCenter.name == name)
    ):
        errors["name"] = "already used"
    location = str(changes.get("location", data_center.location) or "").strip()
    owner = str(changes.get("owner", data_center.owner) or "").strip()
    if len(location) > 300:
        errors["location"] = "at most 300 characters"
    if len(owner) > 200:
        errors["owner"] = "at most 200 characters"
    status = data_center.status
    try:
        status = DataCenterStatus(changes.get("status", data_center.status))
    except ValueError:
        errors["status"] = f"choose one of {', '.join(DataCenterStatus)}"
    figures = capacity_figures(changes, data_center, errors)
    if errors:
        raise ValidationError("the data center has invalid fields", fields=errors)
    data_center.name, data_center.location, data_center.owner = name, location, owner
    data_center.set_status(status, utcnow())
    set_capacity(data_center, figures)
    after = trail.snapshot(data_center, DATA_CENTER_AUDITED)
    if after == before:
        return data_center
    data_center.version += 1
    action = "status_changed" if set(trail.diff(before, after)) == {"status"} else "updated"
    _audit(session, actor, "data_center", data_center, action, before, after, data_center.name, via)
    session.commit()
    return data_center


def create_workload(
    session: Session,
    actor: Actor,
    agency_id: int,
    *,
    data_center_id: int,
    name: str,
    components: Any,
    title: str = "",
    classification: str = "internal",
    service_ids: Sequence[int] = (),
    depends_on_ids: Sequence[int] = (),
    inquiry_ids: Sequence[int] = (),
    via: str = "",
) -> Workload:
    _agency(session, actor, agency_id)
    workload = Workload(agency_id=agency_id)
    fill_workload(
        session,
        actor,
        workload,
        data_center_id,
        name,
        components,
        title,
        classification,
        service_ids,
        depends_on_ids,
        inquiry_ids,
    )
    session.add(workload)
    session.flush()
    _audit(session, actor, "workload", workload, "created", {}, _workload_state(workload), workload.name, via)
    session.commit()
    return workload


def update_workload(
    session: Session,
    actor: Actor,
    workload_id: int,
    *,
    expected_version: int | None = None,
    via: str = "",
    **changes: Any,
) -> Workload:
    workload = get_workload(session, actor, workload_id)
    policies.require(policies.can_change(actor, workload.agency_id), "change this agency's inventory")
    _locked_at_version(session, workload, expected_version, "workload")
    before = _workload_state(workload)
    fill_workload(
        session,
        actor,
        workload,
        changes.get("data_center_id", workload.data_center_id),
        changes.get("name", workload.name),
        changes.get("components", workload.components),
        changes.get("title", workload.title),
        changes.get("classification", workload.classification),
        changes.get("service_ids", [s.id for s in workload.services]),
        changes.get("depends_on_ids", [w.id for w in workload.depends_on]),
        changes.get("inquiry_ids", [s.id for s in workload.inquiries]),
    )
    after = _workload_state(workload)
    if trail.diff(before, after):
        workload.version += 1
        _audit(session, actor, "workload", workload, "updated", before, after, workload.name, via)
    session.commit()
    return workload


def fill_workload(
    session,
    actor,
    workload,
    data_center_id,
    name,
    components,
    title,
    classification,
    service_ids,
    depends_on_ids,
    inquiry_ids,
) -> None:
    """Check every field, then set them all on the workload (no commit); the error names each bad field."""
    errors: dict[str, str] = {}
    agency_id = workload.agency_id
    name = (name or "").strip()
    if not DNS_LABEL.match(name) or len(name) > MAX_NAME:
        errors["name"] = f"lower-case letters, digits and '-', at most {MAX_NAME} characters"
    else:
        clash = session.scalar(
            select(Workload.id).where(Workload.agency_id == agency_id, Workload.name == name)
        )
        if clash is not None and clash != workload.id:
            errors["name"] = "another workload of this agency has this name"
    data_center = session.get(DataCenter, data_center_id) if is_valid_id(data_center_id or 0) else None
    if data_center is None or data_center.agency_id != agency_id:
        errors["data_center_id"] = "choose one of this agency's data centers"
    try:
        kind = Classification(classification)
    except ValueError:
        errors["classification"] = f"choose one of {', '.join(Classification)}"
        kind = Classification.internal
    services = list(session.scalars(select(EService).where(EService.id.in_(_ids(list(service_ids))))))
    if len(services) != len(set(service_ids)) or any(s.agency_id != agency_id for s in services):
        errors["service_ids"] = "only this agency's e-services can be served by its workload"
    linked = {s.id: s for s in workload.inquiries} if workload.id is not None else {}
    inquiries = list(
        session.scalars(
            select(EService).where(EService.id.in_(_ids(list(inquiry_ids))), linkable_inquiries(actor))
        )
    )
    found = {s.id: s for s in inquiries} | {i: linked[i] for i in inquiry_ids if i in linked}
    if len(found) != len(set(inquiry_ids)):
        errors["inquiry_ids"] = "no such inquiry"  # another agency's unpublished one alike: no oracle
    inquiries = list(found.values())
    depends = list(session.scalars(select(Workload).where(Workload.id.in_(_ids(list(depends_on_ids))))))
    if (
        len(depends) != len(set(depends_on_ids))
        or any(w.agency_id != agency_id for w in depends)
        or (workload.id is not None and workload.id in depends_on_ids)
    ):
        errors["depends_on_ids"] = "choose other workloads of this agency"
    try:
        parsed = parse_components(components)
    except ValidationError as exc:
        errors.update(exc.fields)
        parsed = []
    if errors:
        raise ValidationError("the workload definition is invalid", fields=errors)
    workload.name = name
    workload.title = (title or "").strip()
    assert data_center is not None  # else data_center_id is among the errors above
    workload.data_center_id = data_center.id
    workload.classification = kind
    workload.components = [c.to_dict() for c in parsed]
    workload.services = services
    workload.inquiries = inquiries
    workload.depends_on = depends


def assess_workload(
    session: Session,
    actor: Actor,
    workload_id: int,
    answers: dict[str, str],
    strategy: str | None = None,
    override_reason: str = "",
    *,
    via: str = "",
) -> Assessment:
    """Score the answers; the agency may choose another strategy than the recommended one, with a reason."""
    workload = get_workload(session, actor, workload_id)
    policies.require(policies.can_change(actor, workload.agency_id), "assess this agency's workloads")
    outcome = questionnaire.evaluate(answers)
    chosen = outcome.recommended
    reason = override_reason.strip()
    if strategy and strategy != outcome.recommended:
        try:
            chosen = Strategy(strategy)
        except ValueError:
            raise ValidationError(
                "unknown strategy", fields={"strategy": f"choose one of {', '.join(Strategy)}"}
            ) from None
        if not reason:
            raise ValidationError(
                "say why the recommended strategy is overridden",
                fields={"override_reason": f"required when choosing {chosen} over {outcome.recommended}"},
            )
    assessment = session.scalar(select(Assessment).where(Assessment.workload_id == workload.id))
    audited = (
        "questionnaire_version",
        "answers",
        "score",
        "risks",
        "recommended",
        "strategy",
        "override_reason",
    )
    before = trail.snapshot(assessment, audited) if assessment is not None else {}
    assessment = assessment or Assessment(workload_id=workload.id)
    assessment.questionnaire_version = outcome.version
    assessment.answers = dict(answers)
    assessment.score = outcome.score
    assessment.risks = outcome.risks
    assessment.recommended = outcome.recommended
    assessment.strategy = chosen
    assessment.override_reason = reason if chosen != outcome.recommended else ""
    session.add(assessment)
    session.flush()
    trail.record(
        session,
        actor,
        "assessment",
        assessment.id,
        "assessed" if not before else "reassessed",
        agency_id=workload.agency_id,
        label=workload.name,
        before=before,
        after=trail.snapshot(assessment, audited),
        via=via,
    )
    session.commit()
    session.expire(workload, ["assessment"])
    return assessment
