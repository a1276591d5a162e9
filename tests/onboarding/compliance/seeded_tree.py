"""A seeded tree of a few hundred agencies over three levels with a program of three milestones, and
the unpaginated computation of the matrix straight from the agencies and the day's snapshots: what
the paginated matrix (tests/onboarding/compliance/test_standings.py) and the dashboard page and API
(tests/portal/test_compliance_paging.py) are checked against."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select

from catalog.models import Agency, AgencyKind, ServiceKind
from catalog.queries import search_key
from onboarding.compliance import reports
from onboarding.compliance.models import ComplianceSnapshot
from tests.onboarding.compliance import factories as f

DAY = dt.date(2025, 1, 9)
PROVINCES = ["01", "07", "13", "21"]


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
