"""Who is acting in the feedback service: the signed-in account, or the system (CLI, worker)."""

from __future__ import annotations

import dataclasses

from feedback.accounts.models import REGISTRY_ADMIN, VIEWER, Account

SYSTEM_ROLE = "system"


@dataclasses.dataclass(frozen=True)
class FeedbackActor:
    id: int | None
    role: str
    label: str = ""
    scope_kind: str = ""
    scope_value: str = ""


SYSTEM = FeedbackActor(id=None, role=SYSTEM_ROLE, label="system")


def registry_admin(account_id: int, email: str) -> FeedbackActor:
    return FeedbackActor(id=account_id, role=REGISTRY_ADMIN, label=email)


def actor_for(account: Account) -> FeedbackActor:
    """Registry admins act on the whole registry; dashboard viewers carry their scope."""
    if account.role == VIEWER:
        return FeedbackActor(
            id=account.id,
            role=VIEWER,
            label=account.email,
            scope_kind=account.scope_kind,
            scope_value=account.scope_value,
        )
    return registry_admin(account.id, account.email)
