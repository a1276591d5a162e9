"""The agency tree as materialised paths (catalog.tree): "this agency and its sub-agencies" at any
depth, after creates, moves with the subtree and re-seeding, and the access it grants, on PostgreSQL
and on SQLite (`make run`)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from catalog import services, tree
from catalog.models import Agency
from catalog.queries import descendant_ids
from catalog.seed import seed_reference_agencies
from core.actors import SYSTEM, Actor, Role
from portal.accounts.services import agency_subtree


@pytest.fixture
def session(platform_session_both):
    return platform_session_both


def _create(session, parent, code, kind, **extra):
    data = {"code": code, "name_fa": f"دستگاه {code}", "kind": kind, **extra}
    return services.create_agency(session, SYSTEM, parent.id if parent else None, data)


def _paths_from_parents(session) -> dict[int, str]:
    """Each agency's path walked up its parent_id links in Python: what the stored paths must say."""
    parents = {row.id: row.parent_id for row in session.execute(select(Agency.id, Agency.parent_id))}
    paths = {}
    for agency_id in parents:
        chain, current = [], agency_id
        while current is not None:
            chain.append(current)
            current = parents[current]
        paths[agency_id] = "/" + "/".join(str(a) for a in reversed(chain)) + "/"
    return paths


def _stored_paths(session) -> dict[int, str]:
    return {row.id: row.path for row in session.execute(select(Agency.id, Agency.path))}


def test_a_move_takes_the_subtree_at_every_depth_and_access_follows(session):
    ministry_a = _create(session, None, "MA", "ministry")
    ministry_b = _create(session, None, "MB", "ministry")
    org = _create(session, ministry_a, "ORG", "organization")
    office = _create(session, org, "ORG-FARS", "provincial_office", province_code="IR-07")
    county = _create(
        session, office, "ORG-FARS-SHZ", "county_office", province_code="IR-07", county_code="0701"
    )
    sibling = _create(session, ministry_a, "ORG2", "organization")
    moved = {org.id, office.id, county.id}
    assert descendant_ids(session, ministry_a.id) == {ministry_a.id, sibling.id} | moved
    assert descendant_ids(session, ministry_b.id) == {ministry_b.id}

    services.move_agency(session, SYSTEM, org.id, ministry_b.id, expected_version=None)

    assert descendant_ids(session, ministry_b.id) == {ministry_b.id} | moved
    assert descendant_ids(session, ministry_a.id) == {ministry_a.id, sibling.id}
    assert descendant_ids(session, office.id) == {office.id, county.id}
    assert _stored_paths(session) == _paths_from_parents(session)
    # what the people of each ministry may act for, as each request's access check reads it
    assert agency_subtree(session, ministry_b.id) == frozenset({ministry_b.id} | moved)
    admin_a = Actor(id=1, role=Role.agency_admin, agency_ids=agency_subtree(session, ministry_a.id))
    assert not admin_a.can_read_agency(county.id) and admin_a.can_read_agency(sibling.id)
    # moving back, then the office with its county office to the other ministry, then the
    # organization to the top level: the paths follow each time
    services.move_agency(session, SYSTEM, org.id, ministry_a.id, expected_version=None)
    services.move_agency(session, SYSTEM, office.id, ministry_b.id, expected_version=None)
    services.move_agency(session, SYSTEM, org.id, None, expected_version=None)
    assert descendant_ids(session, ministry_b.id) == {ministry_b.id, office.id, county.id}
    assert descendant_ids(session, ministry_a.id) == {ministry_a.id, sibling.id}
    assert descendant_ids(session, org.id) == {org.id}
    assert _stored_paths(session) == _paths_from_parents(session)


def test_a_subtree_is_not_taken_for_its_siblings_with_longer_ids(session):
    """Ids are compared as text: agency 1's subtree must not take agency 10, 11... (a prefix of digits)."""
    agencies = [_create(session, None, f"M{n}", "ministry") for n in range(12)]
    for agency in agencies:
        assert descendant_ids(session, agency.id) == {agency.id}
    assert descendant_ids(session, 10**9) == set()


def test_seeding_and_rebuilding_give_the_paths_of_the_parent_links(session):
    seed_reference_agencies(session)
    expected = _paths_from_parents(session)
    assert any(path.count("/") >= 3 for path in expected.values())  # the reference has sub-agencies
    assert _stored_paths(session) == expected
    tree.rebuild_paths(session)
    session.expire_all()
    assert _stored_paths(session) == expected
    assert seed_reference_agencies(session).created == 0
    assert _stored_paths(session) == expected


def test_an_agency_written_around_the_model_without_a_path_reaches_nothing(session):
    """A row inserted by raw SQL (as the benchmarks do) has an empty path until `rebuild_paths`: its
    access must fail closed, never open onto every agency."""
    ministry = _create(session, None, "MX", "ministry")
    _create(session, ministry, "ORGX", "organization")
    session.execute(
        Agency.__table__.insert().values(code="RAW", name_fa="دستگاه خام", kind="organization", path="")
    )
    raw_id = session.scalar(select(Agency.id).where(Agency.code == "RAW"))
    assert tree.subtree_ids(session, raw_id) == frozenset()
    tree.rebuild_paths(session)
    assert tree.subtree_ids(session, raw_id) == {raw_id}
