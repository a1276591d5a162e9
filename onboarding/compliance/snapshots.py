"""Computing compliance snapshots: every agency in scope × every active milestone, for one day.

A national snapshot is one query per metric (grouped by agency), one query for the recent history,
one DELETE of the day's rows and one COPY (a recompute upserts its few rows), so it stays fast at the
size of the state (ten thousand agencies); each program's standings and totals
(onboarding/compliance/standings.py) are written with them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.dates import utcnow
from core.db import insert_rows
from onboarding.compliance import metrics
from onboarding.compliance import queries as q
from onboarding.compliance.evaluation import TREND_DAYS, evaluate
from onboarding.compliance.models import ComplianceSnapshot, Milestone
from onboarding.compliance.schemas import Status
from onboarding.compliance.standings import write_standings

UPSERT_CHUNK = 2000


@dataclasses.dataclass
class SnapshotResult:
    day: dt.date
    rows: int = 0
    statuses: Counter = dataclasses.field(default_factory=Counter)
    at_risk: list[tuple[int, int]] = dataclasses.field(default_factory=list)  # (agency_id, milestone_id)


def compute_snapshots(
    session: Session, day: dt.date, only_agencies: Iterable[int] | None = None
) -> SnapshotResult:
    """Write (or replace) the day's snapshot rows; no commit (the calling service commits once).

    `only_agencies` limits the rows written (a recompute after a catalog change writes the agency
    and its parents, whose group figures include it); the figures are always computed nationally.
    """
    agencies = {a.id: a for a in q.list_agencies(session)}
    milestones = q.list_active_milestones(session)
    result = SnapshotResult(day=day)
    if not agencies or not milestones:
        return result
    wanted = set(agencies) if only_agencies is None else _with_ancestors(agencies, only_agencies)
    bottom_up = _bottom_up(agencies)
    until = min(dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC), utcnow())
    rules = {m.id: evidence_rule(m, until) for m in milestones}
    # an evidenced milestone is also measured on declarations alone: the pages show both side by side
    wanted_measures = {(m.metric, rules[m.id]) for m in milestones}
    wanted_measures |= {(m.metric, None) for m in milestones if rules[m.id] is not None}
    measures = {
        (name, rule): metrics.measure(session, name, list(agencies), rule) for name, rule in wanted_measures
    }
    history: dict[tuple[int, int], list[tuple[dt.date, float]]] = defaultdict(list)
    # only a milestone whose deadline is today or ahead projects a trend (evaluation.evaluate)
    trending = [m.id for m in milestones if m.deadline >= day]
    for agency_id, milestone_id, past_day, value in q.list_history(
        session, trending, day - dt.timedelta(days=TREND_DAYS), day
    ):
        if value is not None and agency_id in wanted:
            history[(agency_id, milestone_id)].append((past_day, value))
    now = utcnow()
    rows: list[dict] = []
    append = rows.append
    scopes: dict[tuple[str, ...], set[int]] = {}
    group_cache: dict[tuple, dict[int, tuple[int, int]]] = {}
    for milestone in milestones:
        milestone_id, target, deadline = milestone.id, milestone.target, milestone.deadline
        rule = rules[milestone_id]
        by_agency = measures[(milestone.metric, rule)]
        declared = measures[(milestone.metric, None)] if rule is not None else None
        kinds = tuple(sorted(milestone.scope_kinds or ()))
        scoped = scopes.get(kinds)
        if scoped is None:
            scoped = scopes[kinds] = {a for a, row in agencies.items() if q.in_scope(milestone, row.kind)}
        # milestones of the same metric, evidence rule and scope (another program's) share their roll-up
        group_key = (milestone.metric, rule, kinds)
        groups = group_cache.get(group_key)
        if groups is None:
            groups = group_cache[group_key] = _group_sums(bottom_up, agencies, scoped, by_agency)
        for agency_id in sorted(wanted & scoped):
            own = by_agency[agency_id]
            status, projected = evaluate(
                own.value, target, deadline, day, history.get((agency_id, milestone_id), ())
            )
            group_numerator, group_denominator = groups[agency_id]
            append(
                {
                    "agency_id": agency_id,
                    "milestone_id": milestone_id,
                    "day": day,
                    "numerator": own.numerator,
                    "denominator": own.denominator,
                    "value": own.value,
                    "status": str(status),
                    "projected": projected,
                    "group_numerator": group_numerator,
                    "group_denominator": group_denominator,
                    "computed_at": now,
                    "declared_numerator": declared[agency_id].numerator if declared is not None else None,
                    "declared_value": declared[agency_id].value if declared is not None else None,
                }
            )
            result.statuses[status] += 1
            if status is Status.at_risk:
                result.at_risk.append((agency_id, milestone_id))
    if only_agencies is None:
        _replace_day(session, day, [m.id for m in milestones], rows)
    else:
        _upsert(session, rows)
    write_standings(session, day, agencies, milestones, rows, None if only_agencies is None else wanted)
    result.rows = len(rows)
    return result


def evidence_rule(milestone: Milestone, until: dt.datetime) -> metrics.EvidenceRule | None:
    """The milestone's evidence requirement over the window ending at `until` (the end of the
    snapshot's day, or now if sooner); None when declarations count alone."""
    if not milestone.evidence_required:
        return None
    return metrics.EvidenceRule(milestone.evidence_window_days, milestone.evidence_min_availability, until)


def _with_ancestors(agencies: dict[int, q.AgencyRow], agency_ids: Iterable[int]) -> set[int]:
    wanted: set[int] = set()
    for agency_id in agency_ids:
        if agency_id in agencies:
            wanted.add(agency_id)
            wanted.update(a for a in q.ancestors(agencies, agency_id) if a in agencies)
    return wanted


def _bottom_up(agencies: dict[int, q.AgencyRow]) -> list[tuple[int, int | None]]:
    """(agency, parent in `agencies` or None) deepest first, by the depth of the agencies' paths
    (catalog.tree): each agency comes before its parent, so one pass rolls a subtree up."""
    depth = {a: _depth(agencies, a) for a in agencies}
    order = sorted(agencies, key=depth.__getitem__, reverse=True)
    return [(a, p if (p := agencies[a].parent_id) in agencies else None) for a in order]


def _depth(agencies: dict[int, q.AgencyRow], agency_id: int) -> int:
    path = agencies[agency_id].path
    return path.count("/") if path else len(q.ancestors(agencies, agency_id)) + 2


def _group_sums(
    bottom_up: list[tuple[int, int | None]],
    agencies: dict[int, q.AgencyRow],
    scoped: set[int],
    by_agency: dict[int, metrics.Measure],
) -> dict[int, tuple[int, int]]:
    """(numerator, denominator) of each agency's whole subtree, counting agencies in scope only: one
    pass from the deepest agencies up, each adding its subtree's sums to its parent's."""
    numerators = dict.fromkeys(agencies, 0)
    denominators = dict.fromkeys(agencies, 0)
    for agency_id in scoped:
        own = by_agency[agency_id]
        numerators[agency_id] = own.numerator
        denominators[agency_id] = own.denominator
    for agency_id, parent_id in bottom_up:
        if parent_id is not None:
            numerators[parent_id] += numerators[agency_id]
            denominators[parent_id] += denominators[agency_id]
    return {a: (numerators[a], denominators[a]) for a in agencies}


def _upsert(session: Session, rows: list[dict]) -> None:
    if not rows:
        return
    table = ComplianceSnapshot.__table__
    assert isinstance(table, Table)
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(table)
    keys = ("agency_id", "milestone_id", "day")
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={c: statement.excluded[c] for c in rows[0] if c not in keys},
    )
    # executemany: compiled once and sent in batches, not one huge VALUES clause
    for start in range(0, len(rows), UPSERT_CHUNK):
        session.execute(statement, rows[start : start + UPSERT_CHUNK])


def _replace_day(session: Session, day: dt.date, milestone_ids: list[int], rows: list[dict]) -> None:
    """A national snapshot's rows replace the day's rows of those milestones: one DELETE, then COPY on
    PostgreSQL (executemany INSERT on SQLite), far faster than upserting row by row."""
    table = ComplianceSnapshot.__table__
    assert isinstance(table, Table)
    session.execute(sa.delete(table).where(table.c.day == day, table.c.milestone_id.in_(milestone_ids)))
    insert_rows(session, table, rows)


def milestones_by_id(milestones: Iterable[Milestone]) -> dict[int, Milestone]:
    return {m.id: m for m in milestones}
