"""Who may do what with probes: the platform probes on its schedule; an agency's people may ask for a
probe of their own services now; everyone who reads an agency reads its availability."""

from __future__ import annotations

from catalog.models import EService
from core.actors import Actor


def can_schedule_probes(actor: Actor) -> bool:
    return actor.is_platform_admin


def can_request_probe(actor: Actor, service: EService) -> bool:
    return actor.can_write_agency(service.agency_id)


def can_read_probes(actor: Actor, agency_id: int) -> bool:
    return actor.can_read_agency(agency_id)
