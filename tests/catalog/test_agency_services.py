"""Agencies managed as a tree: add, edit, move with the subtree, deactivate (refused while in use),
each change in the audit trail; re-seeding never undoes an operator's change."""

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from catalog import services, trail
from catalog.models import Agency, AuditEvent, ServiceStatus, TenantService
from catalog.seed import seed_reference_agencies
from core import reference
from core.actors import SYSTEM, Role
from core.errors import NotAuthorized, PreconditionFailed, UnknownReference, ValidationError
from tests.fixtures.catalog import add_service


def _events(session, agency):
    return trail.list_events(session, trail.TrailFilter(resource="agency", resource_id=agency.id))


def test_a_new_agency_is_recorded_in_the_trail(db_session, tree):
    admin = tree.actor(Role.platform_admin, actor_id=3)
    agency = services.create_agency(
        db_session, admin, None, {"code": "neworg", "name_fa": "سازمان نو", "kind": "organization"}, via="api"
    )
    assert agency.code == "NEWORG" and agency.operator_managed
    (event,) = _events(db_session, agency)
    assert (event.action, event.via, event.actor_id, event.label) == ("created", "api", 3, "NEWORG")
    assert event.changes["name_fa"] == [None, "سازمان نو"] and event.changes["active"] == [None, True]


def test_an_edit_records_old_and_new_values_and_bumps_the_version(db_session, tree):
    services.update_agency(db_session, SYSTEM, tree.a.id, {"name_en": "Ministry A"}, expected_version=1)
    assert tree.a.version == 2
    (event,) = _events(db_session, tree.a)
    assert event.action == "updated" and event.changes == {"name_en": ["Test Ministry A", "Ministry A"]}
    with pytest.raises(PreconditionFailed):
        services.update_agency(db_session, SYSTEM, tree.a.id, {"name_en": "stale"}, expected_version=1)


def test_a_move_takes_the_subtree_and_cycles_are_refused(db_session, tree):
    org = services.create_agency(
        db_session, SYSTEM, tree.a.id, {"code": "ORG", "name_fa": "سازمان", "kind": "organization"}
    )
    office = services.create_agency(
        db_session,
        SYSTEM,
        org.id,
        {"code": "ORG-FARS", "name_fa": "دفتر", "kind": "provincial_office", "province_code": "IR-07"},
    )
    services.move_agency(db_session, SYSTEM, org.id, tree.b.id, expected_version=None, via="cli")
    assert org.parent_id == tree.b.id and office.parent_id == org.id
    assert _events(db_session, org)[0].changes == {"parent_id": [tree.a.id, tree.b.id]}
    for target in (org.id, office.id):
        with pytest.raises(ValidationError) as caught:
            services.move_agency(db_session, SYSTEM, org.id, target, expected_version=None)
        assert "sub-agencies" in caught.value.fields["parent_id"]
    with pytest.raises(UnknownReference) as caught:
        services.move_agency(db_session, SYSTEM, org.id, 999999, expected_version=None)
    assert set(caught.value.fields) == {"parent_id"}


def test_a_kind_that_no_longer_fits_is_refused_naming_the_field(db_session, tree):
    with pytest.raises(
        ValidationError
    ) as caught:  # A1 is a provincial office: it cannot hold a ministry's kind
        services.update_agency(
            db_session, SYSTEM, tree.a.id, {"kind": "county_office"}, expected_version=None
        )
    assert "kind" in caught.value.fields
    with pytest.raises(ValidationError) as caught:  # a provincial office cannot sit at the top level
        services.move_agency(db_session, SYSTEM, tree.a1.id, None, expected_version=None)
    assert set(caught.value.fields) == {"kind"}


def test_who_may_change_and_move(db_session, tree):
    admin_a = tree.actor(Role.agency_admin, tree.a)
    member_a = tree.actor(Role.agency_member, tree.a)
    # A's admin manages A's sub-agencies but not A itself (its parent's, the platform's, business)
    services.update_agency(db_session, admin_a, tree.a1.id, {"name_en": "Fars"}, expected_version=None)
    with pytest.raises(NotAuthorized):
        services.update_agency(db_session, admin_a, tree.a.id, {"name_en": "A"}, expected_version=None)
    with pytest.raises(NotAuthorized):
        services.update_agency(db_session, member_a, tree.a1.id, {"name_en": "F"}, expected_version=None)
    with pytest.raises(UnknownReference):  # out of A's tree: B is no agency A's admin may name
        services.move_agency(db_session, admin_a, tree.a1.id, tree.b.id, expected_version=None)
    with pytest.raises(NotAuthorized):  # to the top level: only the platform
        services.move_agency(db_session, admin_a, tree.a1.id, None, expected_version=None)
    with pytest.raises(NotAuthorized):
        services.set_agency_active(db_session, admin_a, tree.a.id, False, expected_version=None)


def test_deactivation_is_refused_while_in_use_with_the_reason(db_session, tree):
    service = add_service(db_session, tree.a1, status=ServiceStatus.active)
    with pytest.raises(ValidationError) as caught:
        services.set_agency_active(db_session, SYSTEM, tree.a1.id, False, expected_version=None)
    assert "e-services" in caught.value.fields["active"]
    services.retire_service(db_session, SYSTEM, service.id, expected_version=None)
    with pytest.raises(ValidationError) as caught:  # A still has an active sub-agency
        services.set_agency_active(db_session, SYSTEM, tree.a.id, False, expected_version=None)
    assert "sub-agencies" in caught.value.fields["active"]
    services.set_agency_active(db_session, SYSTEM, tree.a1.id, False, expected_version=None, via="page")
    assert not tree.a1.active and _events(db_session, tree.a1)[0].action == "deactivated"
    with pytest.raises(ValidationError) as caught:  # nothing new under a deactivated agency
        services.create_agency(
            db_session, SYSTEM, tree.a1.id, {"code": "X", "name_fa": "x", "kind": "county_office"}
        )
    assert set(caught.value.fields) == {"parent_id"}
    services.set_agency_active(db_session, SYSTEM, tree.a.id, False, expected_version=None)
    with pytest.raises(ValidationError):  # A1 comes back only after its parent
        services.set_agency_active(db_session, SYSTEM, tree.a1.id, True, expected_version=None)
    services.set_agency_active(db_session, SYSTEM, tree.a.id, True, expected_version=None)
    services.set_agency_active(db_session, SYSTEM, tree.a1.id, True, expected_version=None)
    assert tree.a1.active


def test_a_tenant_service_keeps_its_agency_active(db_session, tree):
    db_session.add(TenantService(agency_id=tree.b.id, code="t", name_fa="ت", public_url="https://t.ir"))
    db_session.commit()
    with pytest.raises(ValidationError) as caught:
        services.set_agency_active(db_session, SYSTEM, tree.b.id, False, expected_version=None)
    assert "tenant" in caught.value.fields["active"]


def test_reseeding_never_undoes_an_operators_change(db_session):
    seed_reference_agencies(db_session)
    record = next(r for r in reference.agencies() if not r.parent_code)
    agency = db_session.scalar(select(Agency).where(Agency.code == record.code))
    services.update_agency(db_session, SYSTEM, agency.id, {"name_fa": "نام تازه"}, expected_version=None)
    again = seed_reference_agencies(db_session)
    db_session.refresh(agency)
    assert agency.name_fa == "نام تازه" and again.updated == 0


def test_the_trail_is_append_only(db_session, tree):
    services.update_agency(db_session, SYSTEM, tree.a.id, {"name_en": "A"}, expected_version=None)
    event_id = _events(db_session, tree.a)[0].id
    for statement in (
        sa.update(AuditEvent).where(AuditEvent.id == event_id).values(action="x"),
        sa.delete(AuditEvent).where(AuditEvent.id == event_id),
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db_session.begin_nested():
            db_session.execute(statement)


def test_the_trail_filters_and_exports_in_order(db_session, tree):
    for name in ("one", "two", "three"):
        services.update_agency(db_session, SYSTEM, tree.b.id, {"name_en": name}, expected_version=None)
    filters = trail.TrailFilter(agency_ids=[tree.b.id])
    assert trail.count_events(db_session, filters) == 3
    assert [e.changes["name_en"][1] for e in trail.list_events(db_session, filters)] == [
        "three",
        "two",
        "one",
    ]
    assert [e.changes["name_en"][1] for e in trail.iter_events(db_session, filters, batch=2)] == [
        "one",
        "two",
        "three",
    ]
    assert trail.count_events(db_session, trail.TrailFilter(agency_ids=[tree.a.id])) == 0
    assert trail.count_events(db_session, trail.TrailFilter(text="TMB", action="updated")) == 3
