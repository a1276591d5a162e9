"""Who may do what in the feedback service; services call these and raise NotAuthorized."""

from __future__ import annotations

from feedback.accounts.actors import SYSTEM_ROLE, FeedbackActor
from feedback.accounts.models import REGISTRY_ADMIN


def can_manage_registry(actor: FeedbackActor) -> bool:
    """Import, deactivate, reissue, add counties, print: the registry admins (and operators' CLI)."""
    return actor.role in {REGISTRY_ADMIN, SYSTEM_ROLE}


def can_see_national_codes(actor: FeedbackActor) -> bool:
    """Masked national codes are shown to registry admins only (dashboard accounts never see them)."""
    return actor.role in {REGISTRY_ADMIN, SYSTEM_ROLE}


def can_manage_accounts(actor: FeedbackActor) -> bool:
    return actor.role == SYSTEM_ROLE


def can_manage_viewers(actor: FeedbackActor) -> bool:
    """Dashboard accounts are created by operators (CLI) and registry admins (admin page)."""
    return can_manage_registry(actor)
