"""What the dashboard, the agency page, the exports and the API show, read from the snapshots.

Built here (not in views) so the page, the CSV/Excel exports and `/api/v1/programs/...` show the
same figures, and so authorisation is checked in one place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping

from sqlalchemy.orm import Session

from core.actors import Actor
from core.dates import tehran_today
from core.errors import NotAuthorized, NotFound
from onboarding.compliance import policies
from onboarding.compliance import queries as q
from onboarding.compliance.models import ComplianceSnapshot, Milestone, Program
from onboarding.compliance.schemas import STATUS_ORDER, Status

TREND_WINDOW_DAYS = 180
SORT_KEYS = ("name", "ministry", "kind", "province")


@dataclasses.dataclass(frozen=True)
class Filters:
    ministry_id: int | None = None
    kind: str = ""
    province: str = ""
    status: str = ""
    sort: str = "name"  # a SORT_KEYS entry, or "m<milestone id>" (by value, then status)
    descending: bool = False


def parse_filters(args: Mapping[str, str]) -> Filters:
    """The dashboard's filters from query parameters (the page's and the API's alike)."""
    ministry = args.get("ministry", "")
    return Filters(
        ministry_id=int(ministry) if ministry.isdigit() else None,
        kind=args.get("kind", ""),
        province=args.get("province", ""),
        status=args.get("status", ""),
        sort=args.get("sort", "name"),
        descending=args.get("order") == "desc",
    )


@dataclasses.dataclass
class Cell:
    status: str
    value: float | None
    numerator: int
    denominator: int
    group_value: float | None
    group_numerator: int
    group_denominator: int


@dataclasses.dataclass
class MatrixRow:
    agency: q.AgencyRow
    ministry: q.AgencyRow | None
    has_children: bool
    cells: dict[int, Cell]  # milestone id → cell (absent: out of scope or not computed)


@dataclasses.dataclass
class Dashboard:
    program: Program
    milestones: list[Milestone]
    day: dt.date | None
    rows: list[MatrixRow]
    summary: dict[int, dict[str, int]]  # milestone id → status → agencies (after filters)
    ministries: list[q.AgencyRow]
    provinces: list[str]
    filters: Filters


def get_default_program(session: Session) -> Program:
    programs = q.list_programs(session, active_only=True)
    if not programs:
        raise NotFound("no active program")
    return programs[0]


def dashboard(session: Session, actor: Actor, program_id: int, filters: Filters | None = None) -> Dashboard:
    filters = filters or Filters()
    program = q.get_program(session, program_id)
    if not policies.can_view_dashboard(actor):
        raise NotAuthorized("the national dashboard is for overseers")
    milestones = list(program.milestones)
    ids = [m.id for m in milestones]
    day = q.latest_snapshot_day(session, ids) if ids else None
    agencies = {a.id: a for a in q.list_agencies(session)}
    parents = {a.parent_id for a in agencies.values() if a.parent_id}
    cells: dict[int, dict[int, Cell]] = {}
    if day is not None:
        for snap in q.list_snapshots_for_day(session, ids, day):
            cells.setdefault(snap.agency_id, {})[snap.milestone_id] = _cell(snap)
    rows = []
    for agency_id, row_cells in cells.items():
        agency = agencies.get(agency_id)
        if agency is None:
            continue
        top = q.top_ancestor(agencies, agency_id)
        ministry = agencies.get(top) if agencies[top].kind == "ministry" else None
        rows.append(MatrixRow(agency, ministry, agency_id in parents, row_cells))
    rows = _sorted([r for r in rows if _matches(r, filters)], filters)
    summary = {m.id: dict.fromkeys((str(s) for s in STATUS_ORDER), 0) for m in milestones}
    for row in rows:
        for milestone_id, cell in row.cells.items():
            summary[milestone_id][cell.status] += 1
    return Dashboard(
        program=program,
        milestones=milestones,
        day=day,
        rows=rows,
        summary=summary,
        ministries=sorted((a for a in agencies.values() if a.kind == "ministry"), key=lambda a: a.name_fa),
        provinces=sorted({a.province_code for a in agencies.values() if a.province_code}),
        filters=filters,
    )


def _cell(snap: ComplianceSnapshot) -> Cell:
    return Cell(
        status=snap.status,
        value=snap.value,
        numerator=snap.numerator,
        denominator=snap.denominator,
        group_value=snap.group_value,
        group_numerator=snap.group_numerator,
        group_denominator=snap.group_denominator,
    )


def _matches(row: MatrixRow, filters: Filters) -> bool:
    if filters.ministry_id is not None and (row.ministry is None or row.ministry.id != filters.ministry_id):
        return False
    if filters.kind and row.agency.kind != filters.kind:
        return False
    if filters.province and row.agency.province_code != filters.province:
        return False
    return not filters.status or any(c.status == filters.status for c in row.cells.values())


def _sorted(rows: list[MatrixRow], filters: Filters) -> list[MatrixRow]:
    """Sorted by the chosen column; by a milestone, agencies without a figure come last either way."""
    if filters.sort.startswith("m") and filters.sort[1:].isdigit():
        milestone_id = int(filters.sort[1:])

        def has_value(row: MatrixRow) -> bool:
            cell = row.cells.get(milestone_id)
            return cell is not None and cell.value is not None

        valued = sorted(filter(has_value, rows), key=_sort_key(filters.sort), reverse=filters.descending)
        rest = sorted((r for r in rows if not has_value(r)), key=lambda r: r.agency.name_fa)
        return valued + rest
    return sorted(rows, key=_sort_key(filters.sort), reverse=filters.descending)


def _sort_key(sort: str):
    status_rank = {str(s): i for i, s in enumerate(STATUS_ORDER)}
    if sort.startswith("m") and sort[1:].isdigit():
        milestone_id = int(sort[1:])

        def by_milestone(row: MatrixRow):
            cell = row.cells.get(milestone_id)
            if cell is None or cell.value is None:
                return (1, 0.0, 9, row.agency.name_fa)
            return (0, cell.value, status_rank.get(cell.status, 9), row.agency.name_fa)

        return by_milestone
    if sort == "ministry":
        return lambda r: (r.ministry.name_fa if r.ministry else "", r.agency.name_fa)
    if sort == "kind":
        return lambda r: (r.agency.kind, r.agency.name_fa)
    if sort == "province":
        return lambda r: (r.agency.province_code or "", r.agency.name_fa)
    return lambda r: r.agency.name_fa


@dataclasses.dataclass
class MilestoneDetail:
    milestone: Milestone
    latest: ComplianceSnapshot | None
    trend: list[tuple[dt.date, float | None]]
    shortfall: list[q.Shortfall]
    needed: int  # how many more items must count to reach the target (0 when met or not a ratio)


@dataclasses.dataclass
class AgencyReport:
    program: Program
    agency: q.AgencyRow
    details: list[MilestoneDetail]


def agency_report(
    session: Session,
    actor: Actor,
    program_id: int,
    agency_id: int,
    today: dt.date | None = None,
    with_shortfall: bool = True,
) -> AgencyReport:
    """Another agency's figures do not exist for an agency's people: NotFound, not NotAuthorized.

    `with_shortfall=False` leaves every milestone's shortfall empty (one query per milestone fewer),
    for summaries that show only the latest figures."""
    program = q.get_program(session, program_id)
    agency = q.get_agency(session, agency_id)
    if not policies.can_view_agency_compliance(actor, agency_id):
        raise NotFound("agency not found", agency_id=agency_id)
    row = q.AgencyRow(
        agency.id,
        agency.code,
        agency.name_fa,
        agency.name_en,
        str(agency.kind),
        agency.parent_id,
        agency.province_code,
    )
    milestones = [m for m in program.milestones if q.in_scope(m, row.kind)]
    since = (today or tehran_today()) - dt.timedelta(days=TREND_WINDOW_DAYS)
    snapshots = q.list_agency_snapshots(session, agency_id, [m.id for m in milestones], since=since)
    by_milestone: dict[int, list[ComplianceSnapshot]] = {}
    for snap in snapshots:
        by_milestone.setdefault(snap.milestone_id, []).append(snap)
    details = []
    for milestone in milestones:
        series = by_milestone.get(milestone.id, [])
        latest = series[-1] if series else None
        shortfall = (
            []
            if not with_shortfall or (latest is not None and latest.status == Status.met)
            else q.list_shortfall(session, agency_id, milestone.metric)
        )
        details.append(
            MilestoneDetail(
                milestone=milestone,
                latest=latest,
                trend=[(s.day, s.value) for s in series],
                shortfall=shortfall,
                needed=_needed(milestone, latest),
            )
        )
    return AgencyReport(program=program, agency=row, details=details)


def _needed(milestone: Milestone, latest: ComplianceSnapshot | None) -> int:
    if latest is None or latest.denominator == 0 or milestone.target_kind != "ratio":
        return 0
    return max(0, math.ceil(milestone.target * latest.denominator - 1e-9) - latest.numerator)
