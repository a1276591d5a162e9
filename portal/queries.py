"""Read-only figures the portal shows across packages."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Agency


def platform_counts(session: Session) -> dict[str, int]:
    return {"agencies": session.scalar(select(func.count()).select_from(Agency)) or 0}
