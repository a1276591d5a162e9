"""The paginated matrix (standings and totals, filtered and sorted in SQL) against the unpaginated
computation from the raw snapshots, on a seeded tree of a few hundred agencies over three levels, on
PostgreSQL and on SQLite (`make run`)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import random

import pytest
from sqlalchemy import select

from catalog.models import Agency, AgencyKind, ServiceKind
from catalog.queries import search_key
from core import migrate
from core.actors import SYSTEM, Actor, Role
from core.db import make_engine, make_sessionmaker
from onboarding.compliance import exports, reports, services
from onboarding.compliance.models import ComplianceSnapshot
from onboarding.compliance.schemas import LAGGARD_ORDER, STATUS_ORDER
from tests.onboarding.compliance import factories as f

DAY = dt.date(2025, 1, 9)
OVERSEER = Actor(id=1, role=Role.overseer)
PROVINCES = ["01", "07", "13", "21"]


@pytest.fixture(params=["postgresql", "sqlite"])
def session(request, tmp_path):
    if request.param == "postgresql":
        yield request.getfixturevalue("db_session")
        return
    url = f"sqlite:///{tmp_path / 'platform.db'}"
    migrate.upgrade("platform", url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as sqlite_session:
        yield sqlite_session
    engine.dispose()


def seed(session, rng: random.Random) -> dict:
    """8 ministries, 40 organizations under them, 240 provincial offices under those (some under a
    ministry directly), a few hundred services; a program of three milestones (one for offices only)."""
    ministries = [f.agency(session, AgencyKind.ministry, name=f"وزارت {n}") for n in range(8)]
    organizations = [
        f.agency(session, AgencyKind.organization, parent=rng.choice(ministries), name=f"سازمان {n}")
        for n in range(40)
    ]
    offices = [
        f.agency(
            session,
            AgencyKind.provincial_office,
            parent=rng.choice(organizations + ministries[:2]),
            province=rng.choice(PROVINCES),
            name=f"اداره {n}",
        )
        for n in range(240)
    ]
    loners = [f.agency(session, AgencyKind.organization, name=f"مستقل {n}") for n in range(5)]
    for agency in ministries + organizations + offices + loners:
        if rng.random() < 0.85:
            f.services(session, agency, [rng.randint(0, 4) for _ in range(rng.randint(1, 4))])
        if rng.random() < 0.4:
            f.services(session, agency, [0], kind=ServiceKind.inquiry, online=[rng.random() < 0.5])
    program = f.program(session)
    milestones = [
        f.milestone(session, program, "electronic", 1.0, DAY + dt.timedelta(days=30)),
        f.milestone(session, program, "inquiries_online", 1.0, DAY - dt.timedelta(days=1)),
        f.milestone(
            session, program, "smart", 0.2, DAY + dt.timedelta(days=60), scope_kinds=["provincial_office"]
        ),
    ]
    return {"program": program, "milestones": milestones, "ministries": ministries, "offices": offices}


def reference(session, program, milestones) -> dict[int, dict]:
    """Every agency's row straight from the agencies and the day's snapshots (no standings)."""
    agencies = {a.id: a for a in session.scalars(select(Agency).where(Agency.active.is_(True)))}
    ids = [m.id for m in milestones]
    rows: dict[int, dict] = {}
    for snap in session.scalars(
        select(ComplianceSnapshot).where(
            ComplianceSnapshot.milestone_id.in_(ids), ComplianceSnapshot.day == DAY
        )
    ):
        agency = agencies[snap.agency_id]
        top = agency
        while top.parent_id is not None:
            top = agencies[top.parent_id]
        row = rows.setdefault(
            agency.id,
            {
                "kind": str(agency.kind),
                "province": agency.province_code,
                "ministry": top.id if top.kind == AgencyKind.ministry else None,
                "search": search_key(agency.code, agency.name_fa, agency.name_en),
                "cells": {},
            },
        )
        row["cells"][snap.milestone_id] = (
            snap.status,
            snap.value,
            snap.numerator,
            snap.denominator,
            snap.group_numerator,
            snap.group_denominator,
        )
    return rows


def matches(row: dict, filters: reports.Filters) -> bool:
    if filters.ministry_id is not None and row["ministry"] != filters.ministry_id:
        return False
    if filters.kind and row["kind"] != filters.kind:
        return False
    if filters.province and row["province"] != filters.province:
        return False
    if filters.search and filters.search not in row["search"]:
        return False
    return not filters.status or any(c[0] == filters.status for c in row["cells"].values())


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
    chunks = list(exports.matrix_csv(board.milestones, reports.iter_rows(session, board, filters), "en"))
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
