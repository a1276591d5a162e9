"""Plan use cases: create plans and waves, schedule workloads in dependency order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from catalog import trail
from catalog.queries import agency_reference, agency_scope, is_valid_id
from core.actors import Actor
from core.dates import parse_jalali
from core.errors import Conflict, NotFound, UnknownReference, ValidationError
from onboarding import policies
from onboarding.inventory.models import DataCenter, DataCenterStatus, Workload, WorkloadStatus
from onboarding.inventory.queries import get_workload
from onboarding.landing.plans import get_cloud_plan
from onboarding.plans.models import MigrationPlan, Wave, WaveEntry
from onboarding.plans.ordering import layers, reason_for

MAX_WAVE = 999  # a plan has a handful of waves; the bound keeps any number a request sends in range
MAX_WAVE_NAME = 200  # the column's length


def get_plan(session: Session, actor: Actor, plan_id: int) -> MigrationPlan:
    if not is_valid_id(plan_id):  # past any row id: no such row, and no out-of-range SQL
        raise NotFound("no such plan", plan_id=plan_id)
    plan = session.execute(
        select(MigrationPlan)
        .where(MigrationPlan.id == plan_id)
        .options(
            selectinload(MigrationPlan.waves).selectinload(Wave.entries).selectinload(WaveEntry.workload)
        )
    ).scalar_one_or_none()
    if plan is None or not policies.can_read(actor, plan.agency_id):
        raise NotFound("no such plan", plan_id=plan_id)
    return plan


def list_plans(session: Session, actor: Actor) -> list[MigrationPlan]:
    query = (
        select(MigrationPlan)
        .where(agency_scope(actor, MigrationPlan.agency_id))
        .order_by(MigrationPlan.agency_id, MigrationPlan.name)
    )
    return list(session.scalars(query))


def create_plan(session: Session, actor: Actor, agency_id: int, name: str, cloud_plan: str) -> MigrationPlan:
    policies.require(policies.can_change(actor, agency_id), "plan this agency's migration")
    agency_reference(session, agency_id)
    get_cloud_plan(cloud_plan)
    name = name.strip()
    if not name:
        raise ValidationError("a plan needs a name", fields={"name": "required"})
    if session.scalar(
        select(MigrationPlan.id).where(MigrationPlan.agency_id == agency_id, MigrationPlan.name == name)
    ):
        raise Conflict("a plan with this name exists", fields={"name": "already used"})
    plan = MigrationPlan(agency_id=agency_id, name=name, cloud_plan=cloud_plan)
    session.add(plan)
    session.flush()
    trail.record(
        session,
        actor,
        "plan",
        plan.id,
        "created",
        agency_id=agency_id,
        label=name,
        after={"name": name, "cloud_plan": cloud_plan},
    )
    session.commit()
    return plan


def _date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    if not value.strip():
        return None
    try:
        return parse_jalali(value)
    except ValueError:
        raise ValidationError(
            "not a Jalali date", fields={"target_date": "a date such as 1404/01/15"}
        ) from None


def add_wave(
    session: Session,
    actor: Actor,
    plan_id: int,
    number: int,
    name: str = "",
    target_date: dt.date | str | None = None,
) -> Wave:
    plan = get_plan(session, actor, plan_id)
    policies.require(policies.can_change(actor, plan.agency_id), "plan this agency's migration")
    if not 1 <= number <= MAX_WAVE:
        raise ValidationError(
            f"waves are numbered from 1 to {MAX_WAVE}", fields={"number": f"from 1 to {MAX_WAVE}"}
        )
    name = name.strip()
    if len(name) > MAX_WAVE_NAME:
        raise ValidationError("the name is too long", fields={"name": f"at most {MAX_WAVE_NAME} characters"})
    if any(w.number == number for w in plan.waves):
        raise Conflict("this wave exists", fields={"number": f"wave {number} exists"})
    wave = Wave(plan=plan, number=number, name=name, target_date=_date(target_date))
    session.add(wave)
    trail.record(
        session,
        actor,
        "plan",
        plan.id,
        "wave_added",
        agency_id=plan.agency_id,
        label=plan.name,
        after={"wave": number, "wave_name": name, "target_date": wave.target_date},
    )
    session.commit()
    return wave


def schedule_workload(
    session: Session, actor: Actor, plan_id: int, wave_number: int, workload_id: int
) -> WaveEntry:
    """Put a workload in a wave; refused (with the reason) if that would run it before what it needs."""
    plan = get_plan(session, actor, plan_id)
    policies.require(policies.can_change(actor, plan.agency_id), "plan this agency's migration")
    workload = _plan_workload(session, actor, plan, workload_id)
    wave = next((w for w in plan.waves if w.number == wave_number), None)
    if wave is None:
        raise ValidationError("no such wave", fields={"wave": f"wave {wave_number} is not in this plan"})
    placed = {e.workload_id: (w.number, e) for w in plan.waves for e in w.entries}
    deps, problems = _dependency_waves(workload, placed, wave_number)
    problems += _dependents_too_early(workload, placed, wave_number)
    if problems:
        raise ValidationError(
            "the wave would run a workload before what it depends on", fields={"wave": "; ".join(problems)}
        )
    entry = (
        placed[workload.id][1]
        if workload.id in placed
        else WaveEntry(plan_id=plan.id, workload_id=workload.id)
    )
    before = {"workload": workload.name, "wave": placed[workload.id][0]} if workload.id in placed else {}
    entry.wave = wave
    entry.reason = reason_for(workload.name, deps, wave_number)
    session.add(entry)
    trail.record(
        session,
        actor,
        "plan",
        plan.id,
        "workload_scheduled",
        agency_id=plan.agency_id,
        label=plan.name,
        before=before,
        after={"workload": workload.name, "wave": wave_number},
    )
    session.commit()
    return entry


# Each workload placed in the plan: its wave's number and its entry.
_Placed = dict[int, tuple[int, WaveEntry]]


def _plan_workload(session: Session, actor: Actor, plan: MigrationPlan, workload_id: int) -> Workload:
    """The workload, if it is the plan's agency's (another agency's is answered as a missing one)."""
    try:
        workload = get_workload(session, actor, workload_id)
    except NotFound:
        workload = None
    if workload is None or workload.agency_id != plan.agency_id:
        raise UnknownReference("workload_id", "workload of this plan's agency")
    return workload


def _dependency_waves(
    workload: Workload, placed: _Placed, wave_number: int
) -> tuple[list[tuple[str, int | None]], list[str]]:
    """What `workload` depends on with the wave each runs in (None: migrated already), and the
    dependencies that would not run before `wave_number`."""
    deps: list[tuple[str, int | None]] = []
    problems = []
    for dep in workload.depends_on:
        if dep.status == WorkloadStatus.migrated:
            deps.append((dep.name, None))
        elif dep.id not in placed:
            problems.append(f"{workload.name} depends on {dep.name}, which is not in this plan")
        elif placed[dep.id][0] >= wave_number:
            problems.append(f"{workload.name} depends on {dep.name}, which is in wave {placed[dep.id][0]}")
        else:
            deps.append((dep.name, placed[dep.id][0]))
    return deps, problems


def _dependents_too_early(workload: Workload, placed: _Placed, wave_number: int) -> list[str]:
    """The placed workloads that depend on `workload` and would run no later than `wave_number`."""
    return [
        f"{entry.workload.name} in wave {number} depends on {workload.name}"
        for other_id, (number, entry) in placed.items()
        if other_id != workload.id and workload in entry.workload.depends_on and number <= wave_number
    ]


def suggest_waves(session: Session, actor: Actor, agency_id: int) -> list[list[str]]:
    """Layers of this agency's not-yet-migrated workloads in dependency order (wave 1 first)."""
    policies.require(policies.can_read(actor, agency_id), "read this agency's inventory")
    workloads = session.scalars(
        select(Workload)
        .where(Workload.agency_id == agency_id, Workload.status != WorkloadStatus.migrated)
        .options(selectinload(Workload.depends_on))
    ).all()
    return waves_of(workloads)


def waves_of(workloads: Iterable[Workload]) -> list[list[str]]:
    """`suggest_waves` for workloads already read (with `depends_on`): the not-yet-migrated ones."""
    return layers(
        {w.name: {d.name for d in w.depends_on} for w in workloads if w.status != WorkloadStatus.migrated}
    )


def planned_retirements(session: Session, actor: Actor) -> dict[int, dt.date]:
    """Data center id -> the day its last remaining workload's wave is due, for the data centers (in
    the actor's scope, not yet retired) whose every remaining workload is scheduled in a dated wave; a
    workload in several plans counts at its earliest wave."""
    rows = session.execute(
        select(Workload.data_center_id, Workload.id, Wave.target_date)
        .join(DataCenter, DataCenter.id == Workload.data_center_id)
        .outerjoin(WaveEntry, WaveEntry.workload_id == Workload.id)
        .outerjoin(Wave, Wave.id == WaveEntry.wave_id)
        .where(
            agency_scope(actor, DataCenter.agency_id),
            DataCenter.status != DataCenterStatus.retired,
            Workload.status != WorkloadStatus.migrated,
        )
    ).all()
    earliest: dict[tuple[int, int], dt.date | None] = {}
    for data_center_id, workload_id, day in rows:
        key = (data_center_id, workload_id)
        known = earliest.get(key)
        earliest[key] = day if known is None or (day is not None and day < known) else known
    planned: dict[int, dt.date] = {}
    unscheduled: set[int] = set()
    for (data_center_id, _workload_id), day in earliest.items():
        if day is None:
            unscheduled.add(data_center_id)
        elif data_center_id not in planned or day > planned[data_center_id]:
            planned[data_center_id] = day
    return {dc: day for dc, day in planned.items() if dc not in unscheduled}
