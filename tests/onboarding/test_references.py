"""Ids from a request that name nothing are bad input naming the field (422), never a foreign-key
failure (500); another agency's rows are answered exactly like missing ones (issues 15 and 22)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from catalog.models import Audience, EService, ServiceKind, ServiceStatus
from core.db import integrity_error_as_domain
from core.errors import Conflict, NotAuthorized, UnknownReference, ValidationError
from onboarding.inventory import services as inventory
from onboarding.inventory.importer import import_inventory
from onboarding.plans import services as plans
from onboarding.plans.models import MigrationPlan

MISSING = 2**31 - 1


def _inquiry(world, code: str, status: ServiceStatus) -> EService:
    service = EService(
        agency_id=world.b.id,
        code=code,
        name_fa="استعلام",
        kind=ServiceKind.inquiry,
        audience=Audience.government,
        channels=["api"],
        maturity=4,
        status=status,
    )
    world.session.add(service)
    world.session.commit()
    return service


@pytest.mark.parametrize(
    "create",
    [
        lambda w, agency_id: plans.create_plan(w.session, w.platform, agency_id, "p", "small"),
        lambda w, agency_id: inventory.create_data_center(w.session, w.platform, agency_id, "dc"),
        lambda w, agency_id: inventory.create_workload(
            w.session, w.platform, agency_id, data_center_id=w.data_center_a, name="x", components=[]
        ),
    ],
    ids=["plan", "data-center", "workload"],
)
def test_a_missing_agency_is_a_field_error_and_alike_to_another_agency_for_members(world, create):
    with pytest.raises(UnknownReference) as raised:
        create(world, MISSING)
    assert raised.value.fields == {"agency_id": "no such agency"}
    for agency_id in (MISSING, world.a.id, 0, -5, 2**63):
        with pytest.raises(NotAuthorized):
            create(world.__class__(**{**world.__dict__, "platform": world.member_b}), agency_id)


def test_scheduling_a_missing_or_another_agencys_workload_is_the_same_field_error(world):
    plan = plans.create_plan(world.session, world.admin_a, world.a.id, "p", "small")
    plans.add_wave(world.session, world.admin_a, plan.id, 1)
    theirs = world.workload(name="ledger", agency=world.b)
    answers = []
    for workload_id in (MISSING, theirs.id, 2**40):
        with pytest.raises(UnknownReference) as raised:
            plans.schedule_workload(world.session, world.admin_a, plan.id, 1, workload_id)
        answers.append((raised.value.message, raised.value.fields))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][1] == {"workload_id": "no such workload of this plan's agency"}


def test_another_agencys_unpublished_inquiry_is_answered_like_a_missing_one(world):
    draft = _inquiry(world, "draft-inquiry", ServiceStatus.draft)
    published = _inquiry(world, "identity", ServiceStatus.active)
    refusals = []
    for inquiry_id in (draft.id, MISSING):
        with pytest.raises(ValidationError) as raised:
            world.workload(name="portal", inquiry_ids=[inquiry_id])
        refusals.append((raised.value.message, raised.value.fields))
    assert refusals[0] == refusals[1] and refusals[0][1] == {"inquiry_ids": "no such inquiry"}
    workload = world.workload(name="portal", inquiry_ids=[published.id])
    assert [s.code for s in workload.inquiries] == ["identity"]
    # the same through an imported document, written AGENCY:CODE
    document = {
        "agency": "ARO",
        "data_centers": [{"name": "Tehran DC"}],
        "workloads": [{"name": "hiring", "data_center": "Tehran DC", "components": [], "inquiries": []}],
    }
    messages = []
    for reference in ("MCLS:draft-inquiry", "MCLS:no-such-code"):
        document["workloads"][0]["inquiries"] = [reference]
        with pytest.raises(ValidationError) as raised:
            import_inventory(world.session, world.admin_a, document)
        messages.append(raised.value.fields["workloads[0].inquiries"].replace(reference, "REF"))
    assert messages[0] == messages[1]


def test_the_last_resort_names_the_column_of_a_real_integrity_failure(world):
    world.session.add(MigrationPlan(agency_id=MISSING, name="p", cloud_plan="small"))
    with pytest.raises(IntegrityError) as raised:
        world.session.flush()
    world.session.rollback()
    error = integrity_error_as_domain(raised.value)
    assert isinstance(error, UnknownReference) and error.fields == {"agency_id": "no such agency"}
    plans.create_plan(world.session, world.admin_a, world.a.id, "taken", "small")
    world.session.add(MigrationPlan(agency_id=world.a.id, name="taken", cloud_plan="small"))
    with pytest.raises(IntegrityError) as raised:
        world.session.flush()
    world.session.rollback()
    error = integrity_error_as_domain(raised.value)
    assert isinstance(error, Conflict) and error.params["fields"] == {
        "agency_id": "already used",
        "name": "already used",
    }
