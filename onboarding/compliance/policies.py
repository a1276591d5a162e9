"""Who may do what with programs, snapshots and compliance figures."""

from __future__ import annotations

from core.actors import Actor


def can_manage_programs(actor: Actor) -> bool:
    """Programs and milestones are the mandate itself: platform admins only."""
    return actor.is_platform_admin


def can_take_snapshot(actor: Actor) -> bool:
    return actor.is_platform_admin


def can_view_dashboard(actor: Actor) -> bool:
    """The national matrix: overseers and platform admins."""
    return actor.reads_everything


def can_view_agency_compliance(actor: Actor, agency_id: int) -> bool:
    return actor.can_read_agency(agency_id)


def can_recompute_agency(actor: Actor, agency_id: int) -> bool:
    """Whoever may change the agency's catalog may refresh its figures."""
    return actor.can_write_agency(agency_id)
