"""Who may do what in the feedback service; services call these and raise NotAuthorized."""

from __future__ import annotations

from core.actors import Actor, Role
from feedback.accounts.models import REGISTRY_ADMIN, VIEWER


def can_manage_registry(actor: Actor) -> bool:
    """Import, deactivate, reissue, add counties, print: the registry admins (and operators' CLI)."""
    return actor.role in {REGISTRY_ADMIN, Role.system}


def can_see_national_codes(actor: Actor) -> bool:
    """Masked national codes are shown to registry admins only (dashboard accounts never see them)."""
    return actor.role in {REGISTRY_ADMIN, Role.system}


def can_manage_accounts(actor: Actor) -> bool:
    return actor.role == Role.system


def can_manage_viewers(actor: Actor) -> bool:
    """Dashboard accounts are created by operators (CLI) and registry admins (admin page)."""
    return can_manage_registry(actor)


def can_view_coverage(actor: Actor | None) -> bool:
    """The rollout's coverage (counts, no names): registry admins, and dashboard accounts for their
    own scope (`feedback.registry.coverage.scoped_filters` narrows it)."""
    return actor is not None and actor.role in {REGISTRY_ADMIN, VIEWER, Role.system}


def sees_whole_registry(actor: Actor) -> bool:
    """Registry admins, operators, and nation-wide dashboard accounts (counts only)."""
    if actor.role in {REGISTRY_ADMIN, Role.system}:
        return True
    return actor.role == VIEWER and actor.scope_kind == "nation"


def can_check_unit(actor: Actor | None, agency: str, unit: str) -> bool:
    """A unit's desks by name, and confirming their sheets are up: registry admins and the unit's own
    account (its head), no wider dashboard scope (a ministry does not browse desks)."""
    if actor is None:
        return False
    if actor.role in {REGISTRY_ADMIN, Role.system}:
        return True
    return actor.role == VIEWER and actor.scope_kind == "unit" and actor.scope_value == f"{agency}/{unit}"
