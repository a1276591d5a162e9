"""Actor × object × expected answer, for every catalog permission."""

import pytest

from catalog import policies
from catalog.models import EService
from core.actors import SYSTEM, Role

# (who, acting for) -> expected answers about objects of A, of A's office A1, and of B
ROLES = [
    ("platform_admin", None),
    ("system", None),
    ("overseer", None),
    ("agency_admin", "a"),
    ("agency_member", "a"),
    ("agency_admin", "a1"),
    ("agency_member", "b"),
]


def _actor(tree, role, agency):
    if role == "system":
        return SYSTEM
    return tree.actor(Role(role), getattr(tree, agency) if agency else None)


EXPECTED = {
    # policy: {(role, agency): (on A, on A1, on B)}
    "read": {
        ("platform_admin", None): (True, True, True),
        ("system", None): (True, True, True),
        ("overseer", None): (True, True, True),
        ("agency_admin", "a"): (True, True, False),
        ("agency_member", "a"): (True, True, False),
        ("agency_admin", "a1"): (False, True, False),
        ("agency_member", "b"): (False, False, True),
    },
    "write": {
        ("platform_admin", None): (True, True, True),
        ("system", None): (True, True, True),
        ("overseer", None): (False, False, False),
        ("agency_admin", "a"): (True, True, False),
        ("agency_member", "a"): (True, True, False),
        ("agency_admin", "a1"): (False, True, False),
        ("agency_member", "b"): (False, False, True),
    },
    "manage": {
        ("platform_admin", None): (True, True, True),
        ("system", None): (True, True, True),
        ("overseer", None): (False, False, False),
        ("agency_admin", "a"): (True, True, False),
        ("agency_member", "a"): (False, False, False),
        ("agency_admin", "a1"): (False, True, False),
        ("agency_member", "b"): (False, False, False),
    },
}


@pytest.mark.parametrize(("role", "agency"), ROLES)
def test_policy_table(tree, role, agency):
    actor = _actor(tree, role, agency)
    targets = (tree.a, tree.a1, tree.b)
    services = [EService(agency_id=t.id) for t in targets]
    assert tuple(policies.can_read_agency(actor, t) for t in targets) == EXPECTED["read"][(role, agency)]
    assert tuple(policies.can_read_service(actor, s) for s in services) == EXPECTED["read"][(role, agency)]
    for check in (policies.can_create_service, policies.can_import_descriptor):
        assert tuple(check(actor, t) for t in targets) == EXPECTED["write"][(role, agency)]
    for check in (policies.can_change_service, policies.can_retire_service):
        assert tuple(check(actor, s) for s in services) == EXPECTED["write"][(role, agency)]
    assert tuple(policies.can_manage_members(actor, t) for t in targets) == EXPECTED["manage"][(role, agency)]
    assert tuple(policies.can_create_agency(actor, t) for t in targets) == EXPECTED["manage"][(role, agency)]
    # top-level agencies: the platform's alone
    assert policies.can_create_agency(actor, None) == (role in {"platform_admin", "system"})
