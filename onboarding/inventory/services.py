"""Inventory use cases: load → authorise → validate → change → commit once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Agency, EService
from catalog.queries import agency_reference, is_valid_id
from core.actors import Actor
from core.errors import Conflict, ValidationError
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


def _ids(values: list[int]) -> list[int]:
    """Ids that can name a row: PostgreSQL integers (anything else names nothing, and must not reach SQL)."""
    return [v for v in values if is_valid_id(v)] or [-1]


def _agency(session: Session, actor: Actor, agency_id: int) -> Agency:
    """The agency a request names, once the actor may change it (so a missing agency and another
    agency's answer alike for an agency member); missing → 422 on `agency_id`."""
    policies.require(policies.can_change(actor, agency_id), "change this agency's inventory")
    return agency_reference(session, agency_id)


def create_data_center(
    session: Session, actor: Actor, agency_id: int, name: str, location: str = "", owner: str = ""
) -> DataCenter:
    _agency(session, actor, agency_id)
    name = name.strip()
    if not name:
        raise ValidationError("a data center needs a name", fields={"name": "required"})
    if session.scalar(
        select(DataCenter.id).where(DataCenter.agency_id == agency_id, DataCenter.name == name)
    ):
        raise Conflict("a data center with this name exists", fields={"name": "already used"})
    data_center = DataCenter(agency_id=agency_id, name=name, location=location.strip(), owner=owner.strip())
    session.add(data_center)
    session.commit()
    return data_center


def set_data_center_status(session: Session, actor: Actor, data_center_id: int, status: str) -> DataCenter:
    data_center = get_data_center(session, actor, data_center_id)
    policies.require(policies.can_change(actor, data_center.agency_id), "change this agency's inventory")
    try:
        data_center.status = DataCenterStatus(status)
    except ValueError:
        raise ValidationError(
            "unknown status", fields={"status": f"choose one of {', '.join(DataCenterStatus)}"}
        ) from None
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
    session.commit()
    return workload


def update_workload(session: Session, actor: Actor, workload_id: int, **changes: Any) -> Workload:
    workload = get_workload(session, actor, workload_id)
    policies.require(policies.can_change(actor, workload.agency_id), "change this agency's inventory")
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
    assessment = assessment or Assessment(workload_id=workload.id)
    assessment.questionnaire_version = outcome.version
    assessment.answers = dict(answers)
    assessment.score = outcome.score
    assessment.risks = outcome.risks
    assessment.recommended = outcome.recommended
    assessment.strategy = chosen
    assessment.override_reason = reason if chosen != outcome.recommended else ""
    session.add(assessment)
    session.commit()
    session.expire(workload, ["assessment"])
    return assessment
