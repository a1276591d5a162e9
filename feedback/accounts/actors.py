"""Who is acting in the feedback service: the signed-in account, or the system (CLI, worker)."""

from __future__ import annotations

import dataclasses

from feedback.accounts.models import REGISTRY_ADMIN

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
