"""Seed ministries and major organizations from the reference list, idempotently."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Agency, AgencyKind
from core import reference


@dataclasses.dataclass
class SeedResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def seed_reference_agencies(session: Session) -> SeedResult:
    """Insert missing agencies, refresh names that changed; running it twice changes nothing. An
    agency an operator added, edited, moved or deactivated (`operator_managed`) is left as it is."""
    result = SeedResult()
    existing = {a.code: a for a in session.scalars(select(Agency))}
    records = reference.agencies()
    for record in records:
        kind = AgencyKind(record.kind) if record.kind in AgencyKind.__members__ else AgencyKind.other
        agency = existing.get(record.code)
        if agency is None:
            agency = Agency(code=record.code, name_fa=record.name_fa, name_en=record.name_en, kind=kind)
            session.add(agency)
            existing[record.code] = agency
            result.created += 1
        elif agency.operator_managed:  # an operator's change stands: re-seeding never undoes it
            result.unchanged += 1
        elif (agency.name_fa, agency.name_en, agency.kind) != (record.name_fa, record.name_en, kind):
            agency.name_fa, agency.name_en, agency.kind = record.name_fa, record.name_en, kind
            result.updated += 1
        else:
            result.unchanged += 1
    session.flush()
    for record in records:
        parent = existing.get(record.parent_code) if record.parent_code else None
        agency = existing[record.code]
        if parent is not None and agency.parent_id != parent.id and not agency.operator_managed:
            agency.parent_id = parent.id
    session.commit()
    return result
