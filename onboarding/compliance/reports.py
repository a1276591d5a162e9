"""What the dashboard, the agency page, the exports and the API show, read from the snapshots.

Built here (not in views) so the page, the CSV/Excel exports and `/api/v1/programs/...` show the
same figures, and so authorisation is checked in one place. The matrix reads the precomputed
standings and totals (standings.py): one page of agencies, filtered, searched and sorted in SQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from catalog.schemas import parse_page
from core.actors import Actor
from core.dates import tehran_today
from core.db import is_valid_id
from core.errors import NotAuthorized, NotFound
from core.text import normalize_fa
from onboarding.compliance import policies
from onboarding.compliance import queries as q
from onboarding.compliance.models import ComplianceSnapshot, ComplianceStanding, Milestone, Program
from onboarding.compliance.schemas import STATUS_BITS, STATUS_ORDER, Status
from onboarding.compliance.standings import AGENCIES_ROW

TREND_WINDOW_DAYS = 180
SORT_KEYS = ("laggards", "name", "ministry", "kind", "province")
PER_PAGE = 50
EXPORT_BATCH = 1000
SEARCH_CHARS = 100


@dataclasses.dataclass(frozen=True)
class Filters:
    ministry_id: int | None = None
    kind: str = ""
    province: str = ""
    status: str = ""
    search: str = ""  # in the agency's code and names (Persian-normalized, case-folded)
    sort: str = "laggards"  # a SORT_KEYS entry, or "m<milestone id>" (by value, then status)
    descending: bool = False
    page: int = 1
    per_page: int = PER_PAGE

    @property
    def scope_only(self) -> bool:
        """Whether the rows are exactly one precomputed scope: the nation, a ministry or a province."""
        return not (self.kind or self.status or self.search) and not (self.ministry_id and self.province)


def parse_filters(args: Mapping[str, str]) -> Filters:
    """The dashboard's filters from query parameters (the page's, the exports' and the API's alike)."""
    ministry = args.get("ministry", "")
    page, per_page = parse_page(args, PER_PAGE)
    return Filters(
        ministry_id=int(ministry) if ministry.isdigit() else None,
        kind=args.get("kind", ""),
        province=args.get("province", ""),
        status=args.get("status", ""),
        search=normalize_fa(args.get("q", ""))[:SEARCH_CHARS],
        sort=args.get("sort", "") or "laggards",
        descending=args.get("order") == "desc",
        page=page,
        per_page=per_page,
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
    declared_value: float | None = None  # where the milestone requires evidence: the declared figure
    declared_numerator: int | None = None


@dataclasses.dataclass
class MatrixRow:
    agency: q.AgencyRow
    ministry: q.AgencyRow | None
    has_children: bool
    cells: dict[int, Cell]  # milestone id → cell (absent: out of scope or not computed)


@dataclasses.dataclass
class Matrix:
    """A program's matrix on its latest day: what the page, the API and the exports all start from."""

    program: Program
    milestones: list[Milestone]
    day: dt.date | None


@dataclasses.dataclass
class Dashboard:
    program: Program
    milestones: list[Milestone]
    day: dt.date | None
    rows: list[MatrixRow]  # one page
    total: int  # agencies matching the filters, on every page
    summary: dict[int, dict[str, int]]  # milestone id → status → agencies (after filters)
    ministries: list[q.AgencyRow]
    provinces: list[str]
    filters: Filters

    @property
    def page(self) -> int:
        return self.filters.page

    @property
    def per_page(self) -> int:
        return self.filters.per_page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def get_default_program(session: Session) -> Program:
    programs = q.list_programs(session, active_only=True)
    if not programs:
        raise NotFound("no active program")
    return programs[0]


def matrix(session: Session, actor: Actor, program_id: int) -> Matrix:
    program = q.get_program(session, program_id)
    if not policies.can_view_dashboard(actor):
        raise NotAuthorized("the national dashboard is for overseers")
    return Matrix(program, list(program.milestones), q.latest_standings_day(session, program.id))


def dashboard(
    session: Session, actor: Actor, program_id: int, filters: Filters | None = None, with_choices: bool = True
) -> Dashboard:
    """The national summary and one page of agencies: a handful of indexed queries at any size.
    `with_choices=False` leaves out the filters' ministries and provinces (the API does not show them)."""
    filters = filters or Filters()
    board = matrix(session, actor, program_id)
    rows: list[MatrixRow] = []
    total = 0
    summary = {m.id: dict.fromkeys((str(s) for s in STATUS_ORDER), 0) for m in board.milestones}
    provinces: list[str] = []
    ministries: list[q.AgencyRow] = []
    if board.day is not None:
        offset = (filters.page - 1) * filters.per_page
        rows = _page(session, board, filters, offset, filters.per_page)
        counted = None
        for milestone_id, status, agencies in _summary(session, board, filters):
            if milestone_id == AGENCIES_ROW:  # a precomputed scope's count of agencies
                counted = agencies
            elif milestone_id in summary and status in summary[milestone_id]:
                summary[milestone_id][status] += agencies
        if counted is None and not filters.scope_only:
            counted = session.scalar(
                sa.select(sa.func.count()).select_from(_filtered(board, filters).subquery())
            )
        total = counted or 0
        if with_choices:
            ministries, provinces = q.list_choices(session, board.program.id, board.day)
    return Dashboard(
        program=board.program,
        milestones=board.milestones,
        day=board.day,
        rows=rows,
        total=total,
        summary=summary,
        ministries=ministries,
        provinces=provinces,
        filters=filters,
    )


def iter_rows(
    sessions: Callable[[], AbstractContextManager[Session]], board: Matrix, filters: Filters
) -> Iterator[MatrixRow]:
    """Every row matching the filters, in order, a batch at a time (for the exports). Each batch is
    read in a session from `sessions()` closed before its rows are handed on, so a download that
    streams (or is abandoned) holds no session between batches."""
    if board.day is None:
        return
    offset = 0
    while True:
        with sessions() as session:
            batch = _page(session, board, filters, offset, EXPORT_BATCH)
        yield from batch
        if len(batch) < EXPORT_BATCH:
            return
        offset += EXPORT_BATCH


def _filtered(board: Matrix, filters: Filters) -> sa.Select:
    st = ComplianceStanding
    query = sa.select(st.agency_id).where(st.program_id == board.program.id, st.day == board.day)
    return _where(query, filters)


def _where(query: sa.Select, filters: Filters) -> sa.Select:
    st = ComplianceStanding
    if filters.ministry_id is not None:
        query = query.where(
            st.ministry_id == filters.ministry_id if is_valid_id(filters.ministry_id) else sa.false()
        )
    if filters.kind:
        query = query.where(st.kind == filters.kind)
    if filters.province:
        query = query.where(st.province_code == filters.province)
    if filters.status:
        bit = STATUS_BITS.get(filters.status)
        query = query.where(st.status_mask.op("&")(bit) != 0 if bit else sa.false())
    if filters.search:
        query = query.where(st.search_key.contains(filters.search, autoescape=True))
    return query


def _page(session: Session, board: Matrix, filters: Filters, offset: int, limit: int) -> list[MatrixRow]:
    st = ComplianceStanding
    query = _where(sa.select(st).where(st.program_id == board.program.id, st.day == board.day), filters)
    query = _ordered(query, filters).offset(offset).limit(limit)
    standings = list(session.scalars(query))
    if not standings:
        return []
    cells: dict[int, dict[int, Cell]] = {s.agency_id: {} for s in standings}
    # The cells of the page's agencies, found by the page's own (indexed, limited) query rather than a
    # list of ids: right after a snapshot has replaced the day's rows, before the database has new
    # statistics, a list of ids was planned as a scan of the whole day (15 ms of a 20 ms page). A page
    # sorted by a milestone joins every agency's cell to sort, so it passes its ids instead.
    page_ids: Any = (
        list(cells) if _by_milestone(filters) is not None else query.with_only_columns(st.agency_id)
    )
    snap = ComplianceSnapshot
    found = session.execute(
        sa.select(
            snap.agency_id,
            snap.milestone_id,
            snap.status,
            snap.value,
            snap.numerator,
            snap.denominator,
            snap.group_numerator,
            snap.group_denominator,
            snap.declared_value,
            snap.declared_numerator,
        ).where(
            snap.agency_id.in_(page_ids),
            snap.milestone_id.in_([m.id for m in board.milestones]),
            snap.day == board.day,
        )
    )
    for agency_id, milestone_id, status, value, num, den, group_num, group_den, d_value, d_num in found:
        cells[agency_id][milestone_id] = Cell(
            status,
            value,
            num,
            den,
            group_num / group_den if group_den else None,
            group_num,
            group_den,
            d_value,
            d_num,
        )
    return [
        MatrixRow(
            agency=q.AgencyRow(
                s.agency_id, s.code, s.name_fa, s.name_en, s.kind, s.parent_id, s.province_code
            ),
            ministry=None
            if s.ministry_id is None
            else q.AgencyRow(
                s.ministry_id, "", s.ministry_name_fa, s.ministry_name_en, "ministry", None, None
            ),
            has_children=s.has_children,
            cells=cells[s.agency_id],
        )
        for s in standings
    ]


def _by_milestone(filters: Filters) -> int | None:
    """The milestone whose column the rows are sorted by, if any ("m<id>")."""
    sort = filters.sort
    if sort.startswith("m") and sort[1:].isdigit() and is_valid_id(int(sort[1:])):
        return int(sort[1:])
    return None


def _ordered(query: sa.Select, filters: Filters) -> sa.Select:
    """Sorted by the chosen column; by a milestone, agencies without a figure come last either way
    (by name); laggards first: worst status, then lowest mean value (one indexed key), then id."""
    st = ComplianceStanding

    def way(column: Any) -> Any:
        return column.desc() if filters.descending else column.asc()

    sort = filters.sort
    milestone_id = _by_milestone(filters)
    if milestone_id is not None:
        cell = aliased(ComplianceSnapshot)
        query = query.outerjoin(
            cell,
            sa.and_(cell.agency_id == st.agency_id, cell.milestone_id == milestone_id, cell.day == st.day),
        )
        valued = cell.value.is_not(None)
        rank = sa.case(*((cell.status == str(s), i) for i, s in enumerate(STATUS_ORDER)), else_=9)
        return query.order_by(
            sa.case((valued, 0), else_=1),
            way(cell.value),
            way(sa.case((valued, rank))),
            way(sa.case((valued, st.name_fa))),
            st.name_fa,
            st.agency_id,
        )
    if sort == "name":
        return query.order_by(way(st.name_fa), way(st.agency_id))
    if sort == "ministry":
        return query.order_by(way(st.ministry_name_fa), way(st.name_fa), way(st.agency_id))
    if sort == "kind":
        return query.order_by(way(st.kind), way(st.name_fa), way(st.agency_id))
    if sort == "province":
        return query.order_by(way(sa.func.coalesce(st.province_code, "")), way(st.name_fa), way(st.agency_id))
    return query.order_by(way(st.laggard_key), way(st.agency_id))


def _summary(session: Session, board: Matrix, filters: Filters) -> list[tuple[int, str, int]]:
    """(milestone id, status, agencies) of the rows matching the filters: the precomputed totals of the
    nation, a ministry or a province, else counted in SQL over the filtered standings."""
    if filters.scope_only and board.day is not None:
        ministry_id = filters.ministry_id
        if ministry_id is not None and not is_valid_id(ministry_id):
            return []
        return q.list_totals(session, board.program.id, board.day, ministry_id, filters.province or None)
    rows = _filtered(board, filters).subquery()
    snap = ComplianceSnapshot
    counted = (
        sa.select(snap.milestone_id, snap.status, sa.func.count())
        .select_from(rows)
        .join(snap, snap.agency_id == rows.c.agency_id)
        .where(snap.day == board.day, snap.milestone_id.in_([m.id for m in board.milestones]))
        .group_by(snap.milestone_id, snap.status)
    )
    return [(m, s, n) for m, s, n in session.execute(counted)]


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
