"""Who may do what in the catalog: one function per action, each a plain question about the actor.

The platform admin (and the system actor) may do everything; overseers read every agency and change
nothing; agency admins and members act on their agency and its sub-agencies (the actor's agency ids
already include the descendants); only admins manage an agency's members and sub-agencies.
"""

from __future__ import annotations

from catalog.models import Agency, EService
from core.actors import Actor, Role


def can_read_agency(actor: Actor, agency: Agency) -> bool:
    return actor.can_read_agency(agency.id)


def can_create_agency(actor: Actor, parent: Agency | None) -> bool:
    """Top-level agencies are the platform's; sub-agencies also their parent's admins."""
    if parent is None:
        return actor.is_platform_admin
    return actor.can_manage_agency(parent.id)


def can_change_agency(actor: Actor, agency: Agency) -> bool:
    """Editing or deactivating an agency is its parent's business: platform admins for a top-level
    agency, also the parent's admins for a sub-agency (an agency's own admins cannot rename or close
    the agency they belong to)."""
    if agency.parent_id is None:
        return actor.is_platform_admin
    return actor.can_manage_agency(agency.parent_id)


def can_move_agency(actor: Actor, agency: Agency, new_parent: Agency | None) -> bool:
    """Moving takes the agency (with its subtree) from one parent to another: the actor must manage
    both places, so an agency admin moves agencies only within its own tree."""
    return can_change_agency(actor, agency) and can_create_agency(actor, new_parent)


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


def can_read_audit_trail(actor: Actor) -> bool:
    """The whole trail: platform admins and auditors (the issue's "auditor role": it reads
    everything and changes nothing). Each agency's own entries are read on its page by whoever may
    read the agency."""
    return actor.is_platform_admin or actor.role == Role.auditor
