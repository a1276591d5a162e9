"""Each program's matrix rows (standings) and per-scope totals, written with the day's snapshots.

The dashboard, the matrix API and the exports read these instead of every agency and snapshot: a page
is one indexed query on `compliance_standings` plus the page's cells, and the summary of the nation,
a ministry or a province is a few rows of `compliance_totals`. Rows go in by COPY on PostgreSQL and
plain INSERTs on SQLite (core.db.insert_rows); a national snapshot counts the totals from its rows in
hand, a recompute of a few agencies recounts them with INSERT ... SELECT ... GROUP BY (both dialects).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from catalog.queries import search_key
from core.db import insert_rows
from onboarding.compliance import queries as q
from onboarding.compliance.models import ComplianceSnapshot, ComplianceStanding, ComplianceTotal, Milestone
from onboarding.compliance.schemas import AGENCIES_ROW, LAGGARD_ORDER, STATUS_BITS

NO_MEAN = 5.0  # an agency without any value sorts after those with one, within its worst status
LAGGARD_RANK = {str(status): index for index, status in enumerate(LAGGARD_ORDER)}


def write_standings(
    session: Session,
    day: dt.date,
    agencies: dict[int, q.AgencyRow],
    milestones: Iterable[Milestone],
    rows: Iterable[dict],
    only_agencies: Collection[int] | None,
) -> None:
    """Replace the day's standings of the programs of `milestones` (of `only_agencies` when given),
    from the snapshot rows just written, then recount the programs' totals. No commit."""
    program_of = {m.id: m.program_id for m in milestones}
    programs = sorted(set(program_of.values()))
    if not programs:
        return
    cells: dict[tuple[int, int], list[tuple[int, str, float | None]]] = defaultdict(list)
    for row in rows:
        key = (program_of[row["milestone_id"]], row["agency_id"])
        cells[key].append((row["milestone_id"], row["status"], row["value"]))
    parents = {a.parent_id for a in agencies.values() if a.parent_id is not None}
    ministries = _ministries(agencies)
    table = _table(ComplianceStanding)
    if only_agencies is None:  # a national snapshot: this day's rows and every earlier day's go
        delete = sa.delete(table).where(table.c.program_id.in_(programs), table.c.day <= day)
    else:
        delete = sa.delete(table).where(
            table.c.program_id.in_(programs), table.c.day == day, table.c.agency_id.in_(sorted(only_agencies))
        )
    session.execute(delete)
    standings = []
    keys: dict[int, str] = {}  # an agency's search key, once for all its programs
    for (program_id, agency_id), agency_cells in cells.items():
        agency = agencies[agency_id]
        ministry = ministries.get(agency_id)
        values = [value for _milestone, _status, value in agency_cells if value is not None]
        mean = sum(values) / len(values) if values else None
        worst = min(LAGGARD_RANK[status] for _milestone, status, _value in agency_cells)
        mask = 0
        for _milestone, status, _value in agency_cells:
            mask |= STATUS_BITS[status]
        standings.append(
            {
                "program_id": program_id,
                "day": day,
                "agency_id": agency_id,
                "code": agency.code,
                "name_fa": agency.name_fa,
                "name_en": agency.name_en,
                "kind": agency.kind,
                "parent_id": agency.parent_id,
                "province_code": agency.province_code,
                "ministry_id": ministry.id if ministry else None,
                "ministry_name_fa": ministry.name_fa if ministry else "",
                "ministry_name_en": ministry.name_en if ministry else "",
                "has_children": agency_id in parents,
                "worst_rank": worst,
                "mean_value": mean,
                "laggard_key": worst * 10 + (NO_MEAN if mean is None else min(max(mean, 0.0), NO_MEAN - 1)),
                "status_mask": mask,
                "search_key": keys.get(agency_id)
                or keys.setdefault(agency_id, search_key(agency.code, agency.name_fa, agency.name_en)),
            }
        )
    insert_rows(session, table, standings)
    if only_agencies is None:  # every agency's cells are at hand: count them here
        _write_totals(session, programs, day, cells, standings)
    else:
        recount_totals(session, programs, day)


def _write_totals(
    session: Session,
    programs: Collection[int],
    day: dt.date,
    cells: dict[tuple[int, int], list[tuple[int, str, float | None]]],
    standings: list[dict],
) -> None:
    """The same counts as recount_totals, from the rows of a national snapshot: counted once per
    (ministry, province) pair, then rolled up into the nation, each ministry and each province."""
    pairs: Counter[tuple[int, int | None, str | None, int, str]] = Counter()
    for standing in standings:
        program_id = standing["program_id"]
        ministry, province = standing["ministry_id"], standing["province_code"]
        for milestone_id, status, _value in cells[(program_id, standing["agency_id"])]:
            pairs[(program_id, ministry, province, milestone_id, status)] += 1
    for standing in standings:  # the scope's agencies (AGENCIES_ROW), counted like a milestone's
        key = (standing["program_id"], standing["ministry_id"], standing["province_code"])
        pairs[(*key, AGENCIES_ROW, "")] += 1
    counts: Counter[tuple[int, int | None, str | None, int, str]] = Counter()
    for (program_id, ministry, province, milestone_id, status), agencies in pairs.items():
        counts[(program_id, None, None, milestone_id, status)] += agencies
        if ministry is not None:
            counts[(program_id, ministry, None, milestone_id, status)] += agencies
        if province is not None:
            counts[(program_id, None, province, milestone_id, status)] += agencies
    totals = _table(ComplianceTotal)
    session.execute(sa.delete(totals).where(totals.c.program_id.in_(programs), totals.c.day <= day))
    insert_rows(
        session,
        totals,
        [
            {
                "program_id": program_id,
                "day": day,
                "ministry_id": ministry,
                "province_code": province,
                "milestone_id": milestone_id,
                "status": status,
                "agencies": agencies,
            }
            for (program_id, ministry, province, milestone_id, status), agencies in counts.items()
        ],
    )


def _table(model: type) -> sa.Table:
    table = model.__table__  # type: ignore[attr-defined]
    assert isinstance(table, sa.Table)
    return table


def _ministries(agencies: dict[int, q.AgencyRow]) -> dict[int, q.AgencyRow]:
    """Each agency's ministry: its top ancestor when that is a ministry (as the dashboard filters)."""
    ministries: dict[int, q.AgencyRow] = {}
    for agency_id in agencies:
        top = agencies[q.top_ancestor(agencies, agency_id)]
        if top.kind == "ministry":
            ministries[agency_id] = top
    return ministries


def recount_totals(session: Session, program_ids: Collection[int], day: dt.date) -> None:
    """Agencies per status and milestone for the nation, each ministry and each province, counted in
    SQL from the day's standings and snapshots (three INSERT ... SELECT ... GROUP BY)."""
    totals = _table(ComplianceTotal)
    standing = _table(ComplianceStanding)
    snapshot = _table(ComplianceSnapshot)
    milestone = _table(Milestone)
    session.execute(sa.delete(totals).where(totals.c.program_id.in_(program_ids), totals.c.day == day))
    no_ministry = sa.cast(sa.null(), sa.Integer)
    no_province = sa.cast(sa.null(), sa.String(8))
    scopes = (
        (no_ministry, no_province, ()),
        (standing.c.ministry_id, no_province, (standing.c.ministry_id.is_not(None),)),
        (no_ministry, standing.c.province_code, (standing.c.province_code.is_not(None),)),
    )
    for ministry, province, conditions in scopes:
        grouped = [standing.c.program_id, snapshot.c.milestone_id, snapshot.c.status]
        grouped += [c for c in (ministry, province) if isinstance(c, sa.Column)]
        counted = (
            sa.select(
                standing.c.program_id,
                sa.literal(day, sa.Date),
                ministry,
                province,
                snapshot.c.milestone_id,
                snapshot.c.status,
                sa.func.count(),
            )
            .select_from(standing)
            .join(snapshot, sa.and_(snapshot.c.agency_id == standing.c.agency_id, snapshot.c.day == day))
            .join(
                milestone,
                sa.and_(
                    milestone.c.id == snapshot.c.milestone_id, milestone.c.program_id == standing.c.program_id
                ),
            )
            .where(standing.c.program_id.in_(program_ids), standing.c.day == day, *conditions)
            .group_by(*grouped)
        )
        agencies = (
            sa.select(
                standing.c.program_id,
                sa.literal(day, sa.Date),
                ministry,
                province,
                sa.literal(AGENCIES_ROW, sa.Integer),
                sa.literal("", sa.String(16)),
                sa.func.count(),
            )
            .where(standing.c.program_id.in_(program_ids), standing.c.day == day, *conditions)
            .group_by(*[c for c in (standing.c.program_id, ministry, province) if isinstance(c, sa.Column)])
        )
        for select in (counted, agencies):
            session.execute(
                sa.insert(totals).from_select(
                    [
                        "program_id",
                        "day",
                        "ministry_id",
                        "province_code",
                        "milestone_id",
                        "status",
                        "agencies",
                    ],
                    select,
                )
            )
