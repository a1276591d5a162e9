"""The dashboard page and the matrix API, paged through, show the same agencies, statuses and totals
as the unpaginated computation straight from the agencies and the day's snapshots, on a seeded tree
of a few hundred agencies over three levels (issue 16); the group figures are the sums over each
agency's subtree, also after a move."""

from __future__ import annotations

import random
import re

import html5lib
import pytest
from sqlalchemy import select

from catalog import services as catalog_services
from catalog.models import Agency, AgencyKind
from core.actors import SYSTEM, Role
from onboarding.compliance import services
from onboarding.compliance.models import ComplianceSnapshot
from onboarding.compliance.schemas import STATUS_ORDER
from tests.onboarding.compliance.seeded_tree import DAY, matches, reference, seed

PER_PAGE = 37
CASES = [{}, {"province": "07"}, {"status": "missed"}, {"kind": "organization", "province": "13"}]


@pytest.fixture
def seeded(db_session):
    tree = seed(db_session, random.Random(16))
    services.take_snapshot(db_session, SYSTEM, DAY)
    return tree


def _expected(db_session, seeded, args: dict) -> dict[int, dict]:
    from onboarding.compliance.reports import Filters

    filters = Filters(
        province=args.get("province", ""), status=args.get("status", ""), kind=args.get("kind", "")
    )
    rows = reference(db_session, seeded["program"], seeded["milestones"])
    return {agency_id: row for agency_id, row in rows.items() if matches(row, filters)}


def _summary(seeded, rows: dict[int, dict]) -> dict[str, dict[str, int]]:
    counts = {str(m.id): dict.fromkeys((str(s) for s in STATUS_ORDER), 0) for m in seeded["milestones"]}
    for row in rows.values():
        for milestone_id, cell in row["cells"].items():
            counts[str(milestone_id)][cell[0]] += 1
    return counts


@pytest.mark.parametrize("args", CASES)
def test_the_api_paged_through_equals_the_unpaginated_computation(
    client, make_user, api_headers, db_session, seeded, args
):
    headers = api_headers(make_user(Role.overseer))
    program = seeded["program"]
    expected = _expected(db_session, seeded, args)
    got: dict[int, dict] = {}
    page = 1
    while True:
        query = {**args, "page": page, "per_page": PER_PAGE}
        body = client.get(f"/api/v1/programs/{program.id}/matrix", query_string=query, headers=headers).json
        assert body["total"] == len(expected) and body["summary"] == _summary(seeded, expected)
        for row in body["rows"]:
            assert row["agency"]["id"] not in got  # no agency on two pages
            got[row["agency"]["id"]] = {
                int(mid): (c["status"], c["value"], c["numerator"], c["denominator"])
                for mid, c in row["cells"].items()
            }
        if page * PER_PAGE >= body["total"]:
            break
        page += 1
    assert got == {a: {m: c[:4] for m, c in row["cells"].items()} for a, row in expected.items()}


@pytest.mark.parametrize("args", CASES)
def test_the_dashboard_paged_through_equals_the_unpaginated_computation(
    client, make_user, sign_in, db_session, seeded, args
):
    sign_in(client, make_user(Role.overseer))
    program = seeded["program"]
    expected = _expected(db_session, seeded, args)
    db_session.refresh(program)
    milestones = [m.id for m in program.milestones]  # the page's columns, in the program's order
    got: dict[int, dict] = {}
    page = 1
    while True:
        response = client.get(
            f"/programs/{program.id}/dashboard", query_string={**args, "page": page, "per_page": PER_PAGE}
        )
        assert response.status_code == 200
        root = html5lib.HTMLParser(namespaceHTMLElements=False).parse(response.get_data(as_text=True))
        rows = root.findall(".//table[@id='matrix']/tbody/tr")
        for tr in rows:
            link = tr.find("td/a")
            if link is None:  # "No agency matches."
                continue
            agency_id = int(re.search(r"/agencies/(\d+)", link.get("href")).group(1))
            assert agency_id not in got
            cells = tr.findall("td")[4:]  # agency, ministry, kind, province, then the milestones
            got[agency_id] = {
                milestone_id: cell.get("data-status")
                for milestone_id, cell in zip(milestones, cells, strict=True)
                if cell.get("data-status")
            }
        if page * PER_PAGE >= len(expected):
            break
        page += 1
    assert got == {a: {m: c[0] for m, c in row["cells"].items()} for a, row in expected.items()}


def test_group_figures_are_the_subtree_sums_after_a_move(db_session, seeded):
    """Each snapshot's group figures against the sums over its agency's subtree walked in Python."""
    organization = db_session.scalars(
        select(Agency)
        .where(Agency.kind == AgencyKind.organization, Agency.parent_id.is_not(None))
        .order_by(Agency.id)
    ).first()
    other = next(m for m in seeded["ministries"] if m.id != organization.parent_id)
    catalog_services.move_agency(db_session, SYSTEM, organization.id, other.id, expected_version=None)
    services.take_snapshot(db_session, SYSTEM, DAY)
    parents = {a.id: a.parent_id for a in db_session.scalars(select(Agency).where(Agency.active.is_(True)))}
    kinds = {a.id: a.kind for a in db_session.scalars(select(Agency))}
    assert organization.id in parents.values()  # it moved with sub-agencies of its own
    snapshots = list(db_session.scalars(select(ComplianceSnapshot).where(ComplianceSnapshot.day == DAY)))
    own = {(s.agency_id, s.milestone_id): (s.numerator, s.denominator) for s in snapshots}
    scope = {m.id: set(m.scope_kinds or ()) for m in seeded["milestones"]}
    sums: dict[tuple[int, int], list[int]] = {}
    for (agency_id, milestone_id), (numerator, denominator) in own.items():
        current: int | None = agency_id
        while current is not None:  # the agency and every ancestor count it in their group
            total = sums.setdefault((current, milestone_id), [0, 0])
            total[0] += numerator
            total[1] += denominator
            current = parents.get(current)
    assert any(kinds[o] == AgencyKind.ministry for o, _m in sums)
    for snapshot in snapshots:
        if not scope[snapshot.milestone_id] or kinds[snapshot.agency_id] in scope[snapshot.milestone_id]:
            key = (snapshot.agency_id, snapshot.milestone_id)
            assert [snapshot.group_numerator, snapshot.group_denominator] == sums[key], key
