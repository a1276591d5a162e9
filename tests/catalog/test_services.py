import pytest
import sqlalchemy as sa
from sqlalchemy import select

from catalog import services
from catalog.models import Agency, EService, ServiceChange, ServiceStatus
from catalog.queries import list_service_history
from core.actors import SYSTEM, Role
from core.errors import NotAuthorized, NotFound, PreconditionFailed, UnknownReference, ValidationError
from tests.fixtures.catalog import service_data


@pytest.fixture
def member_a(tree):
    return tree.actor(Role.agency_member, tree.a, actor_id=7)


def test_create_writes_the_service_and_its_first_history_entry(db_session, tree, member_a):
    service = services.create_service(db_session, member_a, tree.a1.id, service_data(), via="api")
    assert service.version == 1 and service.agency_id == tree.a1.id
    (entry,) = list_service_history(db_session, member_a, service.id)
    assert (entry.action, entry.via, entry.actor_id) == ("created", "api", 7)
    assert entry.changes["maturity"] == [None, 3]


def test_code_is_unique_per_agency_not_globally(db_session, tree):
    services.create_service(db_session, SYSTEM, tree.a.id, service_data("visa"))
    services.create_service(db_session, SYSTEM, tree.b.id, service_data("visa"))
    with pytest.raises(ValidationError) as caught:
        services.create_service(db_session, SYSTEM, tree.a.id, service_data("visa"))
    assert "already used" in caught.value.fields["code"]


def test_update_records_old_and_new_values(db_session, tree, member_a):
    service = services.create_service(db_session, member_a, tree.a.id, service_data())
    services.update_service(
        db_session, member_a, service.id, {"maturity": 4, "name_en": "e-Visa"}, expected_version=1
    )
    assert service.version == 2
    latest = list_service_history(db_session, member_a, service.id)[0]
    assert latest.action == "updated"
    assert latest.changes == {"name_en": ["Electronic visa", "e-Visa"], "maturity": [3, 4]}


def test_an_update_that_changes_nothing_writes_nothing(db_session, tree, member_a):
    service = services.create_service(db_session, member_a, tree.a.id, service_data())
    services.update_service(db_session, member_a, service.id, {"maturity": "3"}, expected_version=1)
    assert service.version == 1
    assert len(list_service_history(db_session, member_a, service.id)) == 1


def test_a_stale_write_is_refused_and_changes_nothing(db_session, tree, member_a):
    service = services.create_service(db_session, member_a, tree.a.id, service_data())
    services.update_service(db_session, member_a, service.id, {"maturity": 4}, expected_version=1)
    with pytest.raises(PreconditionFailed):
        services.update_service(db_session, member_a, service.id, {"maturity": 0}, expected_version=1)
    with pytest.raises(PreconditionFailed):
        services.retire_service(db_session, member_a, service.id, expected_version=1)
    db_session.expire_all()
    fresh = db_session.get(EService, service.id)
    assert (fresh.maturity, fresh.status, fresh.version) == (4, ServiceStatus.active, 2)


def test_retire_and_the_allowed_status_moves(db_session, tree, member_a):
    service = services.create_service(db_session, member_a, tree.a.id, service_data())
    with pytest.raises(ValidationError) as caught:
        services.update_service(db_session, member_a, service.id, {"status": "draft"}, expected_version=1)
    assert "cannot change from active to draft" in caught.value.fields["status"]
    services.retire_service(db_session, member_a, service.id, expected_version=1)
    assert service.status == ServiceStatus.retired
    assert list_service_history(db_session, member_a, service.id)[0].changes == {
        "status": ["active", "retired"]
    }


@pytest.mark.parametrize(
    ("role", "acting_for", "error"),
    [
        (Role.overseer, None, NotAuthorized),  # reads everything, changes nothing
        (Role.agency_member, "b", NotFound),  # another agency's service does not exist for them
        (Role.agency_admin, "a1", NotFound),  # a sub-agency does not see its parent's services
    ],
)
def test_who_may_not_change_a_service(db_session, tree, role, acting_for, error):
    service = services.create_service(db_session, SYSTEM, tree.a.id, service_data())
    actor = tree.actor(role, getattr(tree, acting_for) if acting_for else None)
    with pytest.raises(error):
        services.update_service(db_session, actor, service.id, {"maturity": 4}, expected_version=1)
    with pytest.raises(error):
        services.retire_service(db_session, actor, service.id, expected_version=1)
    # the agency is a field of the form: one they may not read is "no such agency" (422), not a 404
    with pytest.raises((NotAuthorized, UnknownReference)):
        services.create_service(db_session, actor, tree.a.id, service_data("other"))
    assert db_session.get(EService, service.id).maturity == 3


def test_history_is_append_only_in_the_database(db_session, tree):
    service = services.create_service(db_session, SYSTEM, tree.a.id, service_data())
    entry_id = db_session.scalar(select(ServiceChange.id).where(ServiceChange.service_id == service.id))
    for statement in (
        sa.update(ServiceChange).where(ServiceChange.id == entry_id).values(action="forged"),
        sa.delete(ServiceChange).where(ServiceChange.id == entry_id),
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db_session.begin_nested():
            db_session.execute(statement)


def test_after_change_hook_gets_the_changed_agencies_after_commit(db_session, tree, member_a):
    seen: list[tuple[frozenset[int], int]] = []

    def recompute(agency_ids: frozenset[int]) -> None:
        # runs after the commit: the change is visible from a fresh query
        count = db_session.scalar(
            select(sa.func.count()).select_from(EService).where(EService.agency_id.in_(agency_ids))
        )
        seen.append((agency_ids, count))

    services.on_catalog_change(recompute)
    try:
        service = services.create_service(db_session, member_a, tree.a1.id, service_data())
        services.update_service(db_session, member_a, service.id, {"maturity": 4}, expected_version=1)
        services.update_service(db_session, member_a, service.id, {"maturity": 4}, expected_version=2)
        services.retire_service(db_session, member_a, service.id, expected_version=2)
    finally:
        services.AFTER_CHANGE.remove(recompute)
    # three changes (the no-op update notifies nobody), each for the office only
    assert seen == [(frozenset({tree.a1.id}), 1)] * 3


def test_a_failing_hook_does_not_undo_the_change(db_session, tree):
    def broken(_ids: frozenset[int]) -> None:
        raise RuntimeError("compliance is down")

    services.on_catalog_change(broken)
    try:
        service = services.create_service(db_session, SYSTEM, tree.a.id, service_data())
    finally:
        services.AFTER_CHANGE.remove(broken)
    assert db_session.get(EService, service.id) is not None


def test_agency_admin_adds_a_county_office_under_its_provincial_office(db_session, tree):
    admin = tree.actor(Role.agency_admin, tree.a)
    office = services.create_agency(
        db_session,
        admin,
        tree.a1.id,
        {
            "code": "tma-fars-abadeh",
            "name_fa": "اداره آباده",
            "kind": "county_office",
            "county_code": "آباده",
            "province_code": "IR-07",
        },
    )
    assert (office.parent_id, office.province_code, office.county_code) == (tree.a1.id, "IR-07", "0701")


@pytest.mark.parametrize(
    ("role", "acting_for", "parent", "error"),
    [
        (Role.agency_member, "a", "a", NotAuthorized),
        (Role.overseer, None, "a", NotAuthorized),
        (Role.agency_admin, "b", "a", NotFound),
        (Role.agency_admin, "a", None, NotAuthorized),
    ],
)
def test_who_may_not_add_agencies(db_session, tree, role, acting_for, parent, error):
    actor = tree.actor(role, getattr(tree, acting_for) if acting_for else None)
    parent_id = getattr(tree, parent).id if parent else None
    with pytest.raises(error):
        services.create_agency(
            db_session, actor, parent_id, {"code": "NEW", "name_fa": "تازه", "kind": "organization"}
        )
    assert db_session.scalar(select(Agency).where(Agency.code == "NEW")) is None


def test_agency_codes_are_unique(db_session, tree):
    with pytest.raises(ValidationError) as caught:
        services.create_agency(db_session, SYSTEM, None, {"code": "tmb", "name_fa": "x", "kind": "ministry"})
    assert "already used" in caught.value.fields["code"]
