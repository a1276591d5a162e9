"""What the migration pages show at once, read in one call (views call one function each)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.actors import Actor
from onboarding.inventory.queries import consolidation, list_data_centers, list_workloads
from onboarding.plans.services import list_plans
from onboarding.runs.services import list_runs


def inventory_overview(session: Session, actor: Actor) -> dict[str, Any]:
    return {
        "data_centers": list_data_centers(session, actor),
        "workloads": list_workloads(session, actor),
        "plans": list_plans(session, actor),
        "runs": list_runs(session, actor)[:20],
    }


def consolidation_overview(session: Session, actor: Actor) -> dict[str, Any]:
    rows = consolidation(session, actor)
    return {
        "rows": rows,
        "remaining": sum(int(r["remaining"]) for r in rows),
        "migrated": sum(int(r["migrated"]) for r in rows),
        "retired": sum(1 for r in rows if str(r["data_center"].status) == "retired"),
    }
