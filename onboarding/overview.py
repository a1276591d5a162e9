"""What the migration pages show at once, read in one call (views call one function each)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core import reference
from core.actors import Actor
from core.dates import tehran_day
from onboarding.inventory.models import DataCenterStatus
from onboarding.inventory.queries import consolidation, list_data_centers, list_workloads
from onboarding.inventory.services import DATA_CENTER_CAPACITY
from onboarding.plans.services import list_plans, planned_retirements
from onboarding.runs.services import list_runs


def inventory_overview(session: Session, actor: Actor) -> dict[str, Any]:
    return {
        "data_centers": list_data_centers(session, actor),
        "workloads": list_workloads(session, actor),
        "plans": list_plans(session, actor),
        "runs": list_runs(session, actor, limit=20),
    }


def consolidation_overview(session: Session, actor: Actor) -> dict[str, Any]:
    """The consolidation view: per data center its agency, province, capacity and workloads; totals
    (capacity sums what the inventory records: an unknown figure adds nothing); and the timeline of
    retirements, done (when the data center became retired) and planned (its last wave's date)."""
    rows = consolidation(session, actor)
    planned = planned_retirements(session, actor)
    for row in rows:
        dc = row["data_center"]
        row["province"] = reference.find_province(dc.agency.province_code or "") if dc.agency else None
        row["planned"] = planned.get(dc.id)
    timeline = sorted(
        [
            {
                "data_center": r["data_center"],
                "day": tehran_day(r["data_center"].retired_at),
                "planned": False,
            }
            for r in rows
            if r["data_center"].status == DataCenterStatus.retired and r["data_center"].retired_at
        ]
        + [
            {"data_center": r["data_center"], "day": r["planned"], "planned": True}
            for r in rows
            if r["planned"]
        ],
        key=lambda event: (event["day"], event["data_center"].name),
    )
    return {
        "rows": rows,
        "remaining": sum(int(r["remaining"]) for r in rows),
        "migrated": sum(int(r["migrated"]) for r in rows),
        "retired": sum(1 for r in rows if r["data_center"].status == DataCenterStatus.retired),
        "capacity": {
            key: sum(getattr(r["data_center"], key) or 0 for r in rows) for key in DATA_CENTER_CAPACITY
        },
        "timeline": timeline,
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
