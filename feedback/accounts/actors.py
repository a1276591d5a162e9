"""The feedback service's actors: `core.actors.Actor` built from its accounts (the signed-in registry
admin or dashboard account); `core.actors.SYSTEM` for its CLI and worker."""

from __future__ import annotations

from core.actors import Actor
from feedback.accounts.models import REGISTRY_ADMIN, VIEWER, Account


def registry_admin(account_id: int, email: str) -> Actor:
    return Actor(id=account_id, role=REGISTRY_ADMIN, label=email)


def actor_for(account: Account) -> Actor:
    """Registry admins act on the whole registry; dashboard viewers carry their scope."""
    if account.role == VIEWER:
        return Actor(
            id=account.id,
            role=VIEWER,
            label=account.email,
            scope_kind=account.scope_kind,
            scope_value=account.scope_value,
        )
    return registry_admin(account.id, account.email)
