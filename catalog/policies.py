"""Who may do what in the catalog: one function per action, each a plain question about the actor.

The platform admin (and the system actor) may do everything; overseers read every agency and change
nothing; agency admins and members act on their agency and its sub-agencies (the actor's agency ids
already include the descendants); only admins manage an agency's members and sub-agencies.
"""

from __future__ import annotations

from catalog.models import Agency, EService
from core.actors import Actor


def can_read_agency(actor: Actor, agency: Agency) -> bool:
    return actor.can_read_agency(agency.id)


def can_create_agency(actor: Actor, parent: Agency | None) -> bool:
    """Top-level agencies are the platform's; sub-agencies also their parent's admins."""
    if parent is None:
        return actor.is_platform_admin
    return actor.can_manage_agency(parent.id)


def can_manage_members(actor: Actor, agency: Agency) -> bool:
    return actor.can_manage_agency(agency.id)


def can_read_service(actor: Actor, service: EService) -> bool:
    return actor.can_read_agency(service.agency_id)


def can_create_service(actor: Actor, agency: Agency) -> bool:
    return actor.can_write_agency(agency.id)


def can_change_service(actor: Actor, service: EService) -> bool:
    return actor.can_write_agency(service.agency_id)


def can_retire_service(actor: Actor, service: EService) -> bool:
    return actor.can_write_agency(service.agency_id)


def can_import_descriptor(actor: Actor, agency: Agency) -> bool:
    """A descriptor creates and changes services of one agency: the same right as editing them."""
    return actor.can_write_agency(agency.id)


def can_register_tenant_service(actor: Actor) -> bool:
    """Hosting a service on the shared cloud is the platform's decision, not an agency's."""
    return actor.is_platform_admin
