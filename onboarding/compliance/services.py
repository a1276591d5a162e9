"""Compliance use cases: edit programs and milestones, take snapshots. Load → authorise → validate →
change → commit once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from catalog import trail
from core.actors import Actor
from core.errors import Conflict, NotAuthorized, PreconditionFailed
from onboarding.compliance import policies
from onboarding.compliance import queries as q
from onboarding.compliance.metrics import METRICS
from onboarding.compliance.models import ComplianceSnapshot, ComplianceTotal, Milestone, Program
from onboarding.compliance.reminders import create_reminders
from onboarding.compliance.schemas import MilestoneInput, ProgramInput
from onboarding.compliance.snapshots import SnapshotResult, compute_snapshots, milestones_by_id


def take_snapshot(
    session: Session, actor: Actor, day: dt.date, email_enabled: bool = False
) -> SnapshotResult:
    """The daily national snapshot (beat, or an operator): every agency × active milestone, plus reminders."""
    if not policies.can_take_snapshot(actor):
        raise NotAuthorized("only the platform takes national snapshots")
    result = compute_snapshots(session, day)
    _remind(session, day, result, email_enabled)
    session.commit()
    return result


def recompute_agency(
    session: Session, actor: Actor, agency_id: int, day: dt.date, email_enabled: bool = False
) -> SnapshotResult:
    """Refresh today's rows of one agency (and its parents' group figures) after its catalog changed."""
    q.get_agency(session, agency_id)
    if not policies.can_recompute_agency(actor, agency_id):
        raise NotAuthorized("not your agency", agency_id=agency_id)
    result = compute_snapshots(session, day, only_agencies=[agency_id])
    _remind(session, day, result, email_enabled)
    session.commit()
    return result


def _remind(session: Session, day: dt.date, result: SnapshotResult, email_enabled: bool) -> None:
    if result.at_risk:
        create_reminders(
            session, day, result.at_risk, milestones_by_id(q.list_active_milestones(session)), email_enabled
        )


def _require_admin(actor: Actor) -> None:
    if not policies.can_manage_programs(actor):
        raise NotAuthorized("only platform admins edit programs and milestones")


PROGRAM_AUDITED = ("code", "title_fa", "title_en", "active")
MILESTONE_AUDITED = (
    "code",
    "title_fa",
    "title_en",
    "metric",
    "target_kind",
    "target",
    "deadline",
    "scope_kinds",
    "remind_days_before",
    "position",
    "evidence_required",
    "evidence_window_days",
    "evidence_min_availability",
)


def _check_version(obj: Program | Milestone, expected_version: int | None, what: str) -> None:
    """`expected_version` is what the caller read (the API's If-Match, a form's hidden field); None
    skips the check (commands, seeds)."""
    if expected_version is not None and obj.version != expected_version:
        raise PreconditionFailed(
            f"the {what} changed since it was read", expected=expected_version, current=obj.version
        )


def _audit(
    session: Session, actor: Actor, obj: Program | Milestone, action: str, before: dict[str, Any], via: str
) -> None:
    resource, fields = (
        ("program", PROGRAM_AUDITED) if isinstance(obj, Program) else ("milestone", MILESTONE_AUDITED)
    )
    trail.record(
        session,
        actor,
        resource,
        obj.id,
        action,
        label=obj.code,
        before=before,
        after=trail.snapshot(obj, fields) if action != "deleted" else {},
        via=via,
    )


def create_program(session: Session, actor: Actor, data: dict[str, Any], *, via: str = "") -> Program:
    _require_admin(actor)
    values = ProgramInput.parse(data)
    if q.get_program_by_code(session, values.code) is not None:
        raise Conflict("a program with this code exists", code=values.code)
    program = Program(
        code=values.code, title_fa=values.title_fa, title_en=values.title_en, active=values.active
    )
    session.add(program)
    session.flush()
    _audit(session, actor, program, "created", {}, via)
    session.commit()
    return program


def update_program(
    session: Session,
    actor: Actor,
    program_id: int,
    data: dict[str, Any],
    *,
    expected_version: int | None = None,
    via: str = "",
) -> Program:
    program = q.get_program(session, program_id)
    _require_admin(actor)
    _check_version(program, expected_version, "program")
    before = trail.snapshot(program, PROGRAM_AUDITED)
    current = {
        "code": program.code,
        "title_fa": program.title_fa,
        "title_en": program.title_en,
        "active": program.active,
    }
    values = ProgramInput.parse({**current, **data})
    if values.code != program.code and q.get_program_by_code(session, values.code) is not None:
        raise Conflict("a program with this code exists", code=values.code)
    program.code, program.title_fa, program.title_en, program.active = (
        values.code,
        values.title_fa,
        values.title_en,
        values.active,
    )
    if not trail.diff(before, trail.snapshot(program, PROGRAM_AUDITED)):
        return program
    try:
        session.flush()
    except StaleDataError as exc:  # another transaction bumped the version between our read and write
        session.rollback()
        raise PreconditionFailed("the program changed since it was read") from exc
    _audit(session, actor, program, "updated", before, via)
    session.commit()
    return program


def create_milestone(
    session: Session, actor: Actor, program_id: int, data: dict[str, Any], *, via: str = ""
) -> Milestone:
    program = q.get_program(session, program_id)
    _require_admin(actor)
    values = MilestoneInput.parse(data, set(METRICS))
    if any(m.code == values.code for m in program.milestones):
        raise Conflict("a milestone with this code exists in the program", code=values.code)
    milestone = Milestone(program_id=program.id, **_milestone_fields(values))
    session.add(milestone)
    _flush_unique(session, values.code)
    _audit(session, actor, milestone, "created", {}, via)
    _commit_unique(session, values.code)
    return milestone


def update_milestone(
    session: Session,
    actor: Actor,
    milestone_id: int,
    data: dict[str, Any],
    *,
    expected_version: int | None = None,
    via: str = "",
) -> Milestone:
    """Change a milestone (the law's deadlines themselves): the old and new values go to the trail."""
    milestone = q.get_milestone(session, milestone_id)
    _require_admin(actor)
    _check_version(milestone, expected_version, "milestone")
    before = trail.snapshot(milestone, MILESTONE_AUDITED)
    current = {
        "code": milestone.code,
        "title_fa": milestone.title_fa,
        "title_en": milestone.title_en,
        "metric": milestone.metric,
        "target_kind": milestone.target_kind,
        "target": milestone.target,
        "deadline": milestone.deadline,
        "scope_kinds": milestone.scope_kinds,
        "remind_days_before": milestone.remind_days_before,
        "position": milestone.position,
        "evidence_required": milestone.evidence_required,
        "evidence_window_days": milestone.evidence_window_days,
        "evidence_min_availability": milestone.evidence_min_availability,
    }
    values = MilestoneInput.parse({**current, **data}, set(METRICS))
    for name, value in _milestone_fields(values).items():
        setattr(milestone, name, value)
    if not trail.diff(before, trail.snapshot(milestone, MILESTONE_AUDITED)):
        return milestone
    _flush_unique(session, values.code)
    _audit(session, actor, milestone, "updated", before, via)
    _commit_unique(session, values.code)
    return milestone


def delete_milestone(
    session: Session, actor: Actor, milestone_id: int, *, expected_version: int | None = None, via: str = ""
) -> None:
    """The milestone and its figures (snapshot rows and totals carry no foreign key: models.py)."""
    milestone = q.get_milestone(session, milestone_id)
    _require_admin(actor)
    _check_version(milestone, expected_version, "milestone")
    _audit(session, actor, milestone, "deleted", trail.snapshot(milestone, MILESTONE_AUDITED), via)
    for model in (ComplianceSnapshot, ComplianceTotal):
        session.execute(sa.delete(model).where(model.milestone_id == milestone_id))
    session.delete(milestone)
    try:
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise PreconditionFailed("the milestone changed since it was read") from exc


def _milestone_fields(values: MilestoneInput) -> dict[str, Any]:
    return {
        "code": values.code,
        "title_fa": values.title_fa,
        "title_en": values.title_en,
        "metric": values.metric,
        "target_kind": str(values.target_kind),
        "target": values.target,
        "deadline": values.deadline,
        "scope_kinds": values.scope_kinds,
        "remind_days_before": values.remind_days_before,
        "position": values.position,
        "evidence_required": values.evidence_required,
        "evidence_window_days": values.evidence_window_days,
        "evidence_min_availability": values.evidence_min_availability,
    }


def _flush_unique(session: Session, code: str) -> None:
    try:
        session.flush()
    except StaleDataError as exc:  # another transaction bumped the version between our read and write
        session.rollback()
        raise PreconditionFailed("the milestone changed since it was read") from exc
    except IntegrityError:
        session.rollback()
        raise Conflict("a milestone with this code exists in the program", code=code) from None


def _commit_unique(session: Session, code: str) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict("a milestone with this code exists in the program", code=code) from None
