"""Reads for compliance: programs, agencies in scope, snapshots, notifications. Never commits.

Catalog rows are read here with our own queries (the catalog package owns their writes).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from catalog.models import (
    ELECTRONIC_MATURITY,
    SMART_MATURITY,
    Agency,
    EService,
    ServiceKind,
    ServiceStatus,
)
from catalog.queries import is_valid_id
from catalog.tree import path_ids
from core.db import where_in_if_few
from core.errors import NotFound
from onboarding.compliance.models import (
    ComplianceSnapshot,
    ComplianceStanding,
    ComplianceTotal,
    Milestone,
    Notification,
    Program,
)
from onboarding.compliance.schemas import AGENCIES_ROW


@dataclasses.dataclass(frozen=True)
class AgencyRow:
    id: int
    code: str
    name_fa: str
    name_en: str
    kind: str
    parent_id: int | None
    province_code: str | None
    path: str = ""  # the agency's materialised path (catalog.tree), where the caller reads it

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_fa


def list_programs(session: Session, active_only: bool = False) -> list[Program]:
    query = select(Program).options(selectinload(Program.milestones)).order_by(Program.id)
    if active_only:
        query = query.where(Program.active.is_(True))
    return list(session.scalars(query))


def get_program(session: Session, program_id: int) -> Program:
    if not is_valid_id(program_id):  # past any row id: no such row, and no out-of-range SQL
        raise NotFound("program not found", program_id=program_id)
    # the milestones joined in: one query (the dashboard reads the program on every page)
    program = session.get(Program, program_id, options=[joinedload(Program.milestones)])
    if program is None:
        raise NotFound("program not found", program_id=program_id)
    return program


def get_program_by_code(session: Session, code: str) -> Program | None:
    return session.scalar(select(Program).where(Program.code == code))


def get_milestone(session: Session, milestone_id: int) -> Milestone:
    if not is_valid_id(milestone_id):  # past any row id: no such row, and no out-of-range SQL
        raise NotFound("milestone not found", milestone_id=milestone_id)
    milestone = session.get(Milestone, milestone_id)
    if milestone is None:
        raise NotFound("milestone not found", milestone_id=milestone_id)
    return milestone


def list_active_milestones(session: Session) -> list[Milestone]:
    return list(
        session.scalars(
            select(Milestone)
            .join(Program)
            .where(Program.active.is_(True))
            .order_by(Milestone.program_id, Milestone.position, Milestone.deadline, Milestone.id)
        )
    )


def list_agencies(session: Session) -> list[AgencyRow]:
    """Every active agency as a light row (the snapshot and the dashboard work on all of them)."""
    rows = session.execute(
        select(
            Agency.id,
            Agency.code,
            Agency.name_fa,
            Agency.name_en,
            Agency.kind,
            Agency.parent_id,
            Agency.province_code,
            Agency.path,
        ).where(Agency.active.is_(True))
    )
    return [
        AgencyRow(r.id, r.code, r.name_fa, r.name_en, str(r.kind), r.parent_id, r.province_code, r.path)
        for r in rows
    ]


def get_agency(session: Session, agency_id: int) -> Agency:
    if not is_valid_id(agency_id):  # past any row id: no such row, and no out-of-range SQL
        raise NotFound("agency not found", agency_id=agency_id)
    agency = session.get(Agency, agency_id)
    if agency is None:
        raise NotFound("agency not found", agency_id=agency_id)
    return agency


def in_scope(milestone: Milestone, agency_kind: str) -> bool:
    return not milestone.scope_kinds or agency_kind in milestone.scope_kinds


def ancestors(agencies: dict[int, AgencyRow], agency_id: int) -> list[int]:
    """The agency's parents up to its ministry, nearest first, as far as they are in `agencies`
    (active): read from the agency's path (catalog.tree), or walked up parent_id without one."""
    current = agencies.get(agency_id)
    if current is not None and current.path:
        chain = []
        for parent_id in reversed(path_ids(current.path)[:-1]):
            chain.append(parent_id)
            if parent_id not in agencies:  # an inactive parent ends the chain, as parent_id does
                break
        return chain
    chain = []
    while current is not None and current.parent_id is not None and current.parent_id not in chain:
        chain.append(current.parent_id)
        current = agencies.get(current.parent_id)
    return chain


def top_ancestor(agencies: dict[int, AgencyRow], agency_id: int) -> int:
    chain = ancestors(agencies, agency_id)
    return chain[-1] if chain else agency_id


def latest_snapshot_day(
    session: Session, milestone_ids: Iterable[int], until: dt.date | None = None
) -> dt.date | None:
    query = select(func.max(ComplianceSnapshot.day)).where(
        ComplianceSnapshot.milestone_id.in_(list(milestone_ids))
    )
    if until is not None:
        query = query.where(ComplianceSnapshot.day <= until)
    return session.scalar(query)


def latest_standings_day(session: Session, program_id: int) -> dt.date | None:
    """The day of the program's newest standings (written with each snapshot)."""
    return session.scalar(
        select(func.max(ComplianceStanding.day)).where(ComplianceStanding.program_id == program_id)
    )


def list_totals(
    session: Session, program_id: int, day: dt.date, ministry_id: int | None, province: str | None
) -> list[tuple[int, str, int]]:
    """(milestone id, status, agencies) of one scope: the nation (neither given), a ministry or a province;
    milestone id 0 with status "" is the scope's count of agencies (schemas.AGENCIES_ROW)."""
    total = ComplianceTotal
    query = select(total.milestone_id, total.status, total.agencies).where(
        total.program_id == program_id,
        total.day == day,
        total.ministry_id.is_(None) if ministry_id is None else total.ministry_id == ministry_id,
        total.province_code.is_(None) if province is None else total.province_code == province,
    )
    return [(milestone_id, status, agencies) for milestone_id, status, agencies in session.execute(query)]


def list_choices(session: Session, program_id: int, day: dt.date | None) -> tuple[list[AgencyRow], list[str]]:
    """The dashboard's filter choices in one query: the ministries in the day's figures by Persian
    name (active ones), and the provinces that have agencies in them, by code. Both are the scopes of
    the day's totals, whose agencies row (AGENCIES_ROW) is one per scope."""
    if day is None:
        return [], []
    total = ComplianceTotal
    rows = session.execute(
        select(
            total.province_code,
            Agency.id,
            Agency.code,
            Agency.name_fa,
            Agency.name_en,
            Agency.kind,
            Agency.parent_id,
            Agency.province_code.label("agency_province"),
        )
        .select_from(total)
        .outerjoin(Agency, (Agency.id == total.ministry_id) & Agency.active.is_(True))
        .where(
            total.program_id == program_id,
            total.day == day,
            total.milestone_id == AGENCIES_ROW,
            (total.ministry_id.is_not(None) & total.province_code.is_(None))
            | (total.ministry_id.is_(None) & total.province_code.is_not(None)),
        )
        .order_by(Agency.name_fa, Agency.id, total.province_code)
    )
    ministries, provinces = [], []
    for r in rows:
        if r.id is not None:
            ministries.append(
                AgencyRow(r.id, r.code, r.name_fa, r.name_en, str(r.kind), r.parent_id, r.agency_province)
            )
        elif r.province_code and r.province_code not in provinces:
            provinces.append(r.province_code)
    return ministries, provinces


def list_snapshots_for_day(
    session: Session, milestone_ids: Iterable[int], day: dt.date
) -> list[ComplianceSnapshot]:
    return list(
        session.scalars(
            select(ComplianceSnapshot).where(
                ComplianceSnapshot.milestone_id.in_(list(milestone_ids)), ComplianceSnapshot.day == day
            )
        )
    )


def list_history(
    session: Session, milestone_ids: Iterable[int], since: dt.date, before: dt.date
) -> list[tuple[int, int, dt.date, float | None]]:
    """(agency_id, milestone_id, day, value) of snapshots with a value in [since, before), for the
    trend (read without the ORM's row processing: a national snapshot reads tens of thousands)."""
    ids = list(milestone_ids)
    if not ids:
        return []
    rows = session.connection().execute(
        select(
            ComplianceSnapshot.agency_id,
            ComplianceSnapshot.milestone_id,
            ComplianceSnapshot.day,
            ComplianceSnapshot.value,
        ).where(
            ComplianceSnapshot.milestone_id.in_(ids),
            ComplianceSnapshot.day >= since,
            ComplianceSnapshot.day < before,
            ComplianceSnapshot.value.is_not(None),
        )
    )
    # fetched at once: iterating the result fetches row by row, a third of the time at 70,000 rows
    return [(agency, milestone, day, value) for agency, milestone, day, value in rows.all()]


def list_agency_snapshots(
    session: Session, agency_id: int, milestone_ids: Iterable[int], since: dt.date | None = None
) -> list[ComplianceSnapshot]:
    query = (
        select(ComplianceSnapshot)
        .where(
            ComplianceSnapshot.agency_id == agency_id,
            ComplianceSnapshot.milestone_id.in_(list(milestone_ids)),
        )
        .order_by(ComplianceSnapshot.day)
    )
    if since is not None:
        query = query.where(ComplianceSnapshot.day >= since)
    return list(session.scalars(query))


@dataclasses.dataclass(frozen=True)
class Shortfall:
    """A service keeping the agency below target, and what it needs."""

    service_id: int
    code: str
    name_fa: str
    name_en: str
    have: str  # "2" (maturity) or "offline"
    need: str  # "3" or "online_m2m"

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_fa


def list_shortfall(session: Session, agency_id: int, metric: str) -> list[Shortfall]:
    """Active services of the agency that do not yet count for the metric, closest to counting first."""
    base = select(EService).where(EService.agency_id == agency_id, EService.status == ServiceStatus.active)
    if metric in {"electronic", "smart"}:
        level = ELECTRONIC_MATURITY if metric == "electronic" else SMART_MATURITY
        query = base.where(EService.kind == ServiceKind.service, EService.maturity < level).order_by(
            EService.maturity.desc(), EService.code
        )
        return [
            Shortfall(s.id, s.code, s.name_fa, s.name_en, str(s.maturity), str(level))
            for s in session.scalars(query)
        ]
    if metric == "inquiries_online":
        query = base.where(EService.kind == ServiceKind.inquiry, EService.online_m2m.is_(False)).order_by(
            EService.code
        )
        return [
            Shortfall(s.id, s.code, s.name_fa, s.name_en, "offline", "online_m2m")
            for s in session.scalars(query)
        ]
    return []


def list_notifications(
    session: Session, agency_ids: Iterable[int] | None, limit: int = 200
) -> list[Notification]:
    """Newest first; `agency_ids` None means every agency (platform admins and overseers)."""
    query = select(Notification).order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    if agency_ids is not None:
        query = query.where(Notification.agency_id.in_(list(agency_ids)))
    return list(session.scalars(query))


def list_pending_emails(session: Session, limit: int = 500) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.email_status == "pending")
            .order_by(Notification.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


# Users belong to the portal's accounts; the domain reads only the columns it needs, by table name.
_users = sa.table(
    "users",
    sa.column("email", sa.String),
    sa.column("role", sa.String),
    sa.column("agency_id", sa.Integer),
    sa.column("active", sa.Boolean),
)


def list_agency_admin_emails(session: Session, agency_id: int) -> list[str]:
    rows = session.scalars(
        select(_users.c.email)
        .where(
            _users.c.agency_id == agency_id,
            _users.c.role == "agency_admin",
            _users.c.active.is_(True),
            _users.c.email != "",
        )
        .order_by(_users.c.email)
    )
    return list(rows)


def list_notification_keys(
    session: Session, agency_ids: Iterable[int], dedupe_keys: Iterable[str]
) -> set[tuple[int, str]]:
    """The (agency_id, dedupe_key) pairs among those given that already have a notification."""
    agencies, keys = set(agency_ids), set(dedupe_keys)
    if not agencies or not keys:
        return set()
    query = select(Notification.agency_id, Notification.dedupe_key).where(Notification.dedupe_key.in_(keys))
    # above IN_FILTER_LIMIT agencies, the keys' rows of every agency, picked here
    query = where_in_if_few(query, Notification.agency_id, agencies)
    return {(agency_id, key) for agency_id, key in session.execute(query) if agency_id in agencies}
