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
        "runs": list_runs(session, actor, limit=20),
    }


def consolidation_overview(session: Session, actor: Actor) -> dict[str, Any]:
    rows = consolidation(session, actor)
    return {
        "rows": rows,
        "remaining": sum(int(r["remaining"]) for r in rows),
        "migrated": sum(int(r["migrated"]) for r in rows),
        "retired": sum(1 for r in rows if str(r["data_center"].status) == "retired"),
    }


def plan_overview(session: Session, actor: Actor, plan_id: int) -> dict[str, Any]:
    """The plan board: waves, the agency's workloads to schedule, and the order dependencies suggest."""
    from core.errors import ValidationError
    from onboarding.plans.services import get_plan, waves_of

    plan = get_plan(session, actor, plan_id)
    workloads = list_workloads(session, actor, plan.agency_id)  # depends_on loaded: one read for both
    try:
        suggested = waves_of(workloads)
    except ValidationError as exc:
        suggested = [[f"cycle: {exc.fields.get('depends_on', '')}"]]
    return {
        "plan": plan,
        "workloads": workloads,
        "suggested": suggested,
        "can_change": actor.can_write_agency(plan.agency_id),
    }
