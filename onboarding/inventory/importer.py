"""Import an agency's inventory from a YAML/JSON document: all or nothing, idempotent.

    agency: ARO
    data_centers: [{name: Tehran DC, location: Tehran, owner: IT office, servers: 40, racks: 6,
                    power_kw: 120, yearly_cost_rials: 9000000000}]
    workloads:
      - {name: portal, data_center: Tehran DC, classification: internal, depends_on: [db],
         services: [hire], inquiries: ["NOCR:identity"], components: [...]}

Existing data centers and workloads (by name) are updated, missing ones added; running the same
document twice changes nothing. Every error names its place in the document.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from catalog.models import Agency, EService
from core.actors import Actor
from core.db import IN_FILTER_LIMIT
from core.errors import ValidationError
from onboarding import policies
from onboarding.inventory.models import DataCenter, Workload
from onboarding.inventory.queries import linkable_inquiries
from onboarding.inventory.services import capacity_figures, fill_workload, set_capacity


@dataclasses.dataclass
class ImportResult:
    data_centers_added: int = 0
    workloads_added: int = 0
    workloads_updated: int = 0
    unchanged: int = 0


def import_inventory(session: Session, actor: Actor, document: Any) -> ImportResult:
    agency = _document_agency(session, actor, document)
    result = ImportResult()
    centers = _import_data_centers(session, agency, document.get("data_centers") or [], result)
    workloads = {w.name: w for w in session.scalars(select(Workload).where(Workload.agency_id == agency.id))}
    errors: dict[str, str] = {}
    filled = _fill_workloads(session, actor, agency, document, centers, workloads, errors)
    _link_dependencies(filled, workloads, result, errors)
    if errors:
        session.rollback()
        raise ValidationError("the inventory document is invalid", fields=errors)
    session.commit()
    return result


# A workload filled from the document: where it is, its item, the row and its state before (None: new).
_Filled = tuple[str, dict[str, Any], Workload, tuple[Any, ...] | None]


def _document_agency(session: Session, actor: Actor, document: Any) -> Agency:
    """The agency the document names, if it exists and the actor may change its inventory."""
    if not isinstance(document, dict) or not isinstance(document.get("agency"), str):
        raise ValidationError("the document needs an agency code", fields={"agency": "required"})
    agency = session.scalar(select(Agency).where(Agency.code == document["agency"]))
    if agency is None:
        raise ValidationError(
            "unknown agency", fields={"agency": f"no agency with code {document['agency']!r}"}
        )
    policies.require(policies.can_change(actor, agency.id), "change this agency's inventory")
    return agency


def _import_data_centers(
    session: Session, agency: Agency, items: list[Any], result: ImportResult
) -> dict[str, DataCenter]:
    """The agency's data centers by name, the document's added or updated (and flushed)."""
    centers = {
        dc.name: dc for dc in session.scalars(select(DataCenter).where(DataCenter.agency_id == agency.id))
    }
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not str(item.get("name", "")).strip():
            raise ValidationError(
                "a data center needs a name", fields={f"data_centers[{index}].name": "required"}
            )
        name = str(item["name"]).strip()
        dc = centers.get(name)
        if dc is None:
            dc = centers[name] = DataCenter(agency_id=agency.id, name=name)
            session.add(dc)
            result.data_centers_added += 1
        dc.location = str(item.get("location", dc.location or ""))
        dc.owner = str(item.get("owner", dc.owner or ""))
        errors: dict[str, str] = {}
        figures = capacity_figures(item, dc, errors)
        if errors:
            raise ValidationError(
                "the data center has invalid fields",
                fields={f"data_centers[{index}].{key}": problem for key, problem in errors.items()},
            )
        set_capacity(dc, figures)
    session.flush()
    return centers


def _fill_workloads(
    session: Session,
    actor: Actor,
    agency: Agency,
    document: dict[str, Any],
    centers: dict[str, DataCenter],
    workloads: dict[str, Workload],
    errors: dict[str, str],
) -> list[_Filled]:
    """First pass: every workload of the document added or filled (new ones joining `workloads`),
    all but its dependencies, which need every workload to exist."""
    filled: list[_Filled] = []
    service_ids = _ServiceIds(session, agency.id)
    inquiry_ids = _InquiryIds(session, actor, document.get("workloads"))
    for index, item in enumerate(document.get("workloads") or []):
        where = f"workloads[{index}]"
        if not isinstance(item, dict) or not str(item.get("name", "")):
            errors[f"{where}.name"] = "required"
            continue
        workload = workloads.get(str(item["name"]))
        before = _state(workload) if workload is not None else None
        if workload is None:
            workload = workloads[str(item["name"])] = Workload(agency_id=agency.id)
        dc = centers.get(str(item.get("data_center", "")))
        try:
            fill_workload(
                session,
                actor,
                workload,
                dc.id if dc else 0,
                str(item["name"]),
                item.get("components"),
                item.get("title", ""),
                item.get("classification", "internal"),
                service_ids(item.get("services") or []),
                [d.id for d in workload.depends_on],
                inquiry_ids(item.get("inquiries") or []),
            )
        except ValidationError as exc:
            errors.update({f"{where}.{k}": v for k, v in exc.fields.items()})
            continue
        session.add(workload)
        session.flush()
        filled.append((where, item, workload, before))
    return filled


def _link_dependencies(
    filled: list[_Filled], workloads: dict[str, Workload], result: ImportResult, errors: dict[str, str]
) -> None:
    """Second pass: each workload's dependencies set, and counted as added, updated or unchanged."""
    for where, item, workload, before in filled:
        names = list(item.get("depends_on") or [])
        missing = [n for n in names if n not in workloads or n == workload.name]
        if missing:
            errors[f"{where}.depends_on"] = f"not another workload of the inventory: {', '.join(missing)}"
            continue
        workload.depends_on = [workloads[n] for n in names]
        if before is None:
            result.workloads_added += 1
        elif before != _state(workload):
            result.workloads_updated += 1
        else:
            result.unchanged += 1


class _ServiceIds:
    """The agency's e-service ids by code, read in one query for the whole document."""

    def __init__(self, session: Session, agency_id: int) -> None:
        self.session, self.agency_id = session, agency_id
        query = select(EService.code, EService.id).where(EService.agency_id == agency_id)
        self.known = {code: service_id for code, service_id in session.execute(query)}

    def __call__(self, codes: list[str]) -> list[int]:
        ids = []
        for code in codes:
            found = self.known.get(code) if _plain_text(code) else self._one(code)
            if found is None:
                raise ValidationError(
                    "unknown e-service", fields={"services": f"no e-service {code!r} in this agency"}
                )
            ids.append(found)
        return ids

    def _one(self, code: Any) -> int | None:
        """A code the map cannot answer for (not a plain string) is looked up as it always was."""
        return self.session.scalar(
            select(EService.id).where(EService.agency_id == self.agency_id, EService.code == code)
        )


class _InquiryIds:
    """Inquiries of other agencies, written AGENCY:CODE: every reference the document names is read
    in one query up front; one the document did not name as a plain list entry is looked up alone.
    Only inquiries the actor may link are found (`linkable_inquiries`): another agency's unpublished
    one is "no inquiry" exactly like a code that does not exist."""

    def __init__(self, session: Session, actor: Actor, workloads: Any) -> None:
        self.session, self.linkable = session, linkable_inquiries(actor)
        wanted: set[tuple[str, str]] = set()
        for item in workloads if isinstance(workloads, list) else []:
            references = item.get("inquiries") if isinstance(item, dict) else None
            for reference in references if isinstance(references, list) else []:
                agency_code, _, code = str(reference).partition(":")
                if _plain_text(agency_code) and _plain_text(code):
                    wanted.add((agency_code, code))
        self.known: dict[tuple[str, str], int | None] = dict.fromkeys(wanted)
        pairs = sorted(wanted)
        for start in range(0, len(pairs), IN_FILTER_LIMIT):
            self.known.update(
                ((agency_code, code), service_id)
                for agency_code, code, service_id in session.execute(
                    select(Agency.code, EService.code, EService.id)
                    .join(Agency)
                    .where(tuple_(Agency.code, EService.code).in_(pairs[start : start + IN_FILTER_LIMIT]))
                    .where(self.linkable)
                )
            )

    def __call__(self, references: list[str]) -> list[int]:
        ids = []
        for reference in references:
            agency_code, _, code = str(reference).partition(":")
            if (agency_code, code) in self.known:
                found = self.known[(agency_code, code)]
            else:
                found = self.known[(agency_code, code)] = self.session.scalar(
                    select(EService.id)
                    .join(Agency)
                    .where(Agency.code == agency_code, EService.code == code, self.linkable)
                )
            if found is None:
                raise ValidationError(
                    "unknown inquiry", fields={"inquiries": f"no inquiry {reference!r} (write AGENCY:CODE)"}
                )
            ids.append(found)
        return ids


def _plain_text(value: Any) -> bool:
    """A string the database compares as the dict does (a NUL byte never reaches PostgreSQL)."""
    return isinstance(value, str) and "\x00" not in value


def _state(workload: Workload) -> tuple[Any, ...]:
    return (
        workload.data_center_id,
        workload.title,
        str(workload.classification),
        list(workload.components),
        sorted(d.name for d in workload.depends_on),
        sorted(s.id for s in workload.services),
        sorted(s.id for s in workload.inquiries),
    )
