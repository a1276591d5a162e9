"""Who may do what in the feedback service; services call these and raise NotAuthorized."""

from __future__ import annotations

from core.actors import Actor, Role
from feedback.accounts.models import REGISTRY_ADMIN


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
