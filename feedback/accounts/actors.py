"""The feedback service's actors: `core.actors.Actor` built from its accounts (the signed-in registry
account or dashboard account); `core.actors.SYSTEM` for its CLI and worker."""

from __future__ import annotations

from core.actors import Actor
from feedback.accounts.models import REGISTRY_ADMIN, Account


def registry_admin(account_id: int, email: str, place: str = "") -> Actor:
    """A registry account; `place` (`county:2301`) narrows it to its part of the registry."""
    kind, _, value = place.partition(":")
    return Actor(id=account_id, role=REGISTRY_ADMIN, label=email, scope_kind=kind, scope_value=value)


def actor_for(account: Account) -> Actor:
    """Both kinds of account carry their scope: a dashboard account's, a registry account's place."""
    return Actor(
        id=account.id,
        role=account.role,
        label=account.email,
        scope_kind=account.scope_kind,
        scope_value=account.scope_value,
    )
