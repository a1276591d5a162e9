"""Inventory and assessment: definitions are checked field by field, assessments scored from data."""

from __future__ import annotations

import pytest

from core.errors import NotAuthorized, ValidationError
from onboarding.inventory import questionnaire
from onboarding.inventory.models import Strategy
from onboarding.inventory.queries import list_workloads
from onboarding.inventory.services import assess_workload, update_workload
from tests.fixtures.onboarding import READY


def test_an_invalid_definition_names_each_bad_field(world):
    with pytest.raises(ValidationError) as raised:
        world.workload(
            name="Payroll System",
            components=[
                {"name": "web", "image": "Not An Image!", "replicas": 0, "cpu": "lots", "ports": [70000]},
                {"name": "web", "memory": "1GB", "colour": "blue"},
            ],
        )
    fields = raised.value.fields
    assert set(fields) == {
        "name",
        "components[0].image",
        "components[0].replicas",
        "components[0].cpu",
        "components[0].ports",
        "components[1].memory",
        "components[1].colour",
    }
    assert fields["components[0].cpu"] == "a CPU quantity such as 250m or 1"
    assert world.session.query(type(world.a)).count() >= 2  # nothing else was lost


def test_dependencies_must_be_workloads_of_the_same_agency(world):
    other = world.workload(name="ledger", agency=world.b)
    with pytest.raises(ValidationError) as raised:
        world.workload(name="portal", depends_on=[other])
    assert "depends_on_ids" in raised.value.fields


def test_a_workload_cannot_depend_on_itself(world):
    workload = world.workload()
    with pytest.raises(ValidationError):
        update_workload(world.session, world.admin_a, workload.id, depends_on_ids=[workload.id])


@pytest.mark.parametrize(
    ("changes", "score", "strategy"),
    [
        ({}, 95, Strategy.rehost),
        ({"containerized": "no", "team_skills": "some"}, 55, Strategy.replatform),
        (
            {"containerized": "no", "stateless": "no", "documentation": "none", "team_skills": "no"},
            10,
            Strategy.refactor,
        ),
        ({"still_needed": "no"}, 95, Strategy.retire),
        ({"must_stay_on_premises": "yes"}, 95, Strategy.retain),
        ({"commercial_alternative": "yes"}, 95, Strategy.repurchase),
    ],
)
def test_the_questionnaire_scores_and_recommends(changes, score, strategy):
    outcome = questionnaire.evaluate({**READY, **changes})
    assert (outcome.score, outcome.recommended) == (score, strategy)


def test_risks_are_named_and_overriding_needs_a_reason(world):
    workload = world.workload()
    answers = {**READY, "containerized": "partly", "dependencies": "many"}
    assessment = assess_workload(world.session, world.member_a, workload.id, answers)
    assert assessment.risks == [
        "some components are not containerized",
        "many dependencies: schedule after them and test each",
    ]
    assert assessment.strategy == assessment.recommended == Strategy.replatform

    with pytest.raises(ValidationError) as raised:
        assess_workload(world.session, world.member_a, workload.id, answers, strategy="refactor")
    assert "override_reason" in raised.value.fields

    chosen = assess_workload(
        world.session,
        world.member_a,
        workload.id,
        answers,
        strategy="refactor",
        override_reason="new platform",
    )
    assert (chosen.strategy, chosen.recommended, chosen.override_reason) == (
        Strategy.refactor,
        Strategy.replatform,
        "new platform",
    )


def test_an_incomplete_questionnaire_says_which_questions(world):
    workload = world.workload()
    with pytest.raises(ValidationError) as raised:
        assess_workload(world.session, world.admin_a, workload.id, {"still_needed": "maybe"})
    assert raised.value.fields["still_needed"] == "choose one of yes, no"
    assert "containerized" in raised.value.fields


def test_an_imported_workload_links_its_e_services_and_other_agencies_inquiries(world):
    from catalog.models import Audience, EService, ServiceKind, ServiceStatus
    from onboarding.inventory.importer import import_inventory

    world.session.add(
        EService(
            agency_id=world.b.id,
            code="identity",
            name_fa="استعلام هویت",
            kind=ServiceKind.inquiry,
            audience=Audience.government,
            channels=["api"],
            maturity=4,
            status=ServiceStatus.active,  # published: other agencies' workloads may call it
        )
    )
    world.session.commit()
    document = {
        "agency": "ARO",
        "data_centers": [{"name": "Tehran DC"}],
        "workloads": [
            {
                "name": "hiring",
                "data_center": "Tehran DC",
                "services": ["hire"],
                "inquiries": ["MCLS:identity"],
                "components": [{"name": "web", "image": "reg.gov.ir/hire:1"}],
            }
        ],
    }
    result = import_inventory(world.session, world.admin_a, document)
    assert (result.data_centers_added, result.workloads_added) == (0, 1)
    [workload] = list_workloads(world.session, world.admin_a)
    assert [s.code for s in workload.services] == ["hire"]
    assert [s.code for s in workload.inquiries] == ["identity"]
    assert import_inventory(world.session, world.admin_a, document).unchanged == 1

    document["workloads"][0]["inquiries"] = ["MCLS:nope"]
    with pytest.raises(ValidationError) as raised:
        import_inventory(world.session, world.admin_a, document)
    assert raised.value.fields == {"workloads[0].inquiries": "no inquiry 'MCLS:nope' (write AGENCY:CODE)"}
    with pytest.raises(NotAuthorized):
        import_inventory(world.session, world.member_b, document)
