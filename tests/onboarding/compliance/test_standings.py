"""The paginated matrix (standings and totals, filtered and sorted in SQL) against the unpaginated
computation from the raw snapshots, on a seeded tree of a few hundred agencies over three levels, on
PostgreSQL and on SQLite (`make run`)."""

from __future__ import annotations

import csv
import dataclasses
import io
import random
from contextlib import nullcontext

import pytest
from sqlalchemy import func, select

from catalog.models import Agency
from core.actors import SYSTEM, Actor, Role
from onboarding.compliance import exports, reports, services
from onboarding.compliance.models import ComplianceSnapshot, ComplianceTotal
from onboarding.compliance.schemas import LAGGARD_ORDER, STATUS_ORDER
from tests.onboarding.compliance import factories as f
from tests.onboarding.compliance.seeded_tree import DAY, matches, reference, seed

OVERSEER = Actor(id=1, role=Role.overseer)


@pytest.fixture
def session(platform_session_both):
    return platform_session_both


def every_page(
    session, program, filters: reports.Filters
) -> tuple[list[reports.MatrixRow], reports.Dashboard]:
    rows, page = [], 1
    while True:
        board = reports.dashboard(
            session, OVERSEER, program.id, dataclasses.replace(filters, page=page, per_page=37)
        )
        rows.extend(board.rows)
        if not board.has_next:
            return rows, board
        page += 1


def check_against_reference(session, seeded) -> None:
    program, milestones = seeded["program"], seeded["milestones"]
    expected_rows = reference(session, program, milestones)
    ministry, office = seeded["ministries"][0], seeded["offices"][0]
    cases = [
        reports.Filters(),
        reports.Filters(province="07"),
        reports.Filters(ministry_id=ministry.id),
        reports.Filters(ministry_id=ministry.id, province="07"),
        reports.Filters(kind="organization"),
        reports.Filters(status="missed"),
        reports.Filters(status="met", province="13"),
        reports.Filters(search="اداره 1"),
        reports.Filters(search=office.code.casefold()),
        reports.Filters(ministry_id=10**12),
    ]
    for filters in cases:
        wanted = {a: r for a, r in expected_rows.items() if matches(r, filters)}
        rows, board = every_page(session, program, filters)
        assert board.total == len(wanted) == len(rows), filters
        got = {
            row.agency.id: {
                mid: (c.status, c.value, c.numerator, c.denominator, c.group_numerator, c.group_denominator)
                for mid, c in row.cells.items()
            }
            for row in rows
        }
        assert got == {a: r["cells"] for a, r in wanted.items()}, filters
        assert {row.agency.id: row.ministry.id if row.ministry else None for row in rows} == {
            a: r["ministry"] for a, r in wanted.items()
        }
        summary = {m.id: dict.fromkeys((str(s) for s in STATUS_ORDER), 0) for m in milestones}
        for row in wanted.values():
            for mid, cell in row["cells"].items():
                summary[mid][cell[0]] += 1
        assert board.summary == summary, filters
        # laggards first: worst status, then the lowest mean value
        rank = {str(s): i for i, s in enumerate(LAGGARD_ORDER)}
        keys = []
        for row in rows:
            values = [c.value for c in row.cells.values() if c.value is not None]
            mean = sum(values) / len(values) if values else None
            keys.append((min(rank[c.status] for c in row.cells.values()), mean is None, mean or 0.0))
        assert keys == sorted(keys), filters
    electronic = milestones[0].id
    rows, _board = every_page(session, program, reports.Filters(sort=f"m{electronic}", descending=True))
    values = [row.cells[electronic].value if electronic in row.cells else None for row in rows]
    valued = [v for v in values if v is not None]
    assert valued == sorted(valued, reverse=True) and values[: len(valued)] == valued


def test_paginated_matrix_equals_the_unpaginated_computation(session):
    seeded = seed(session, random.Random(16))
    services.take_snapshot(session, SYSTEM, DAY)
    check_against_reference(session, seeded)
    # a catalog change recomputes one agency and its parents: standings and totals follow
    office = seeded["offices"][3]
    f.services(session, session.get(Agency, office.id), [4, 4, 4, 4, 4])
    services.recompute_agency(session, SYSTEM, office.id, DAY)
    check_against_reference(session, seeded)


def test_export_streams_every_row_not_one_page(session):
    seeded = seed(session, random.Random(3))
    services.take_snapshot(session, SYSTEM, DAY)
    board = reports.matrix(session, OVERSEER, seeded["program"].id)
    filters = reports.Filters(province="07", per_page=5)
    chunks = list(
        exports.matrix_csv(
            board.milestones, reports.iter_rows(lambda: nullcontext(session), board, filters), "en"
        )
    )
    lines = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    expected = reference(session, seeded["program"], seeded["milestones"])
    assert len(lines) - 1 == sum(1 for r in expected.values() if r["province"] == "07") > 5
    assert len(chunks) >= 1


def test_laggards_come_first_by_default(session):
    seeded = seed(session, random.Random(5))
    services.take_snapshot(session, SYSTEM, DAY)
    board = reports.dashboard(session, OVERSEER, seeded["program"].id)
    first = board.rows[0]
    assert any(c.status == "missed" for c in first.cells.values())
    assert board.total > board.per_page == len(board.rows)


def test_deleting_a_milestone_deletes_its_figures(session):
    """The snapshots and totals carry no foreign key (a national snapshot's writes): the service
    deletes a milestone's rows with it."""
    seeded = seed(session, random.Random(9))
    services.take_snapshot(session, SYSTEM, DAY)
    electronic = seeded["milestones"][0].id
    services.delete_milestone(session, SYSTEM, electronic)
    for model in (ComplianceSnapshot, ComplianceTotal):
        assert session.scalar(select(func.count()).where(model.milestone_id == electronic)) == 0
    assert session.scalar(select(func.count()).select_from(ComplianceSnapshot)) > 0
    board = reports.dashboard(session, OVERSEER, seeded["program"].id)
    assert all(electronic not in row.cells for row in board.rows) and electronic not in board.summary
