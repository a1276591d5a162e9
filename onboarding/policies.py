"""Who may do what with onboarding rows: agencies act on their own (and sub-agencies') inventory,
plans and runs; overseers and platform admins read everything; only writers change anything."""

from __future__ import annotations

from core.actors import Actor
from core.errors import NotAuthorized


def can_read(actor: Actor, agency_id: int) -> bool:
    return actor.can_read_agency(agency_id)


def can_change(actor: Actor, agency_id: int) -> bool:
    """Inventory, assessments and plans."""
    return actor.can_write_agency(agency_id)


def can_run(actor: Actor, agency_id: int) -> bool:
    """Start or cancel runs: the agency's own people and the platform's."""
    return actor.can_write_agency(agency_id)


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise NotAuthorized(f"not allowed to {what}", action=what)
