"""Editing programs and milestones: who may, and what bad input is told; the default program's seed."""

import datetime as dt

import pytest
from sqlalchemy import select

from catalog.models import AgencyKind
from core.actors import SYSTEM, Actor, Role
from core.errors import Conflict, NotAuthorized, ValidationError
from onboarding.compliance import policies, services
from onboarding.compliance.models import Milestone, Program
from onboarding.compliance.seed import seed_default_program
from tests.onboarding.compliance import factories as f

MILESTONE = {
    "code": "electronic",
    "title_fa": "الکترونیکی",
    "metric": "electronic",
    "target": "100%",
    "deadline": "1403/08/30",
}


def actor(role, agency_ids=()):
    return Actor(id=1, role=role, agency_ids=frozenset(agency_ids))


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.platform_admin, True),
        (Role.system, True),
        (Role.overseer, False),
        (Role.agency_admin, False),
        (Role.agency_member, False),
    ],
)
def test_only_platform_admins_edit_programs(db_session, role, allowed):
    who = actor(role, {1})
    assert policies.can_manage_programs(who) is allowed
    if allowed:
        program = services.create_program(db_session, who, {"code": "p1", "title_fa": "برنامه"})
        milestone = services.create_milestone(db_session, who, program.id, MILESTONE)
        assert milestone.deadline == dt.date(2024, 11, 20) and milestone.target == 1.0
    else:
        with pytest.raises(NotAuthorized):
            services.create_program(db_session, who, {"code": "p1", "title_fa": "برنامه"})


@pytest.mark.parametrize(
    ("role", "own", "dashboard", "agency_page", "recompute"),
    [
        (Role.platform_admin, False, True, True, True),
        (Role.overseer, False, True, True, False),
        (Role.agency_admin, True, False, True, True),
        (Role.agency_admin, False, False, False, False),
        (Role.agency_member, True, False, True, True),
        (Role.agency_member, False, False, False, False),
    ],
)
def test_policy_table(role, own, dashboard, agency_page, recompute):
    who = actor(role, {7} if own else {8})
    assert policies.can_view_dashboard(who) is dashboard
    assert policies.can_view_agency_compliance(who, 7) is agency_page
    assert policies.can_recompute_agency(who, 7) is recompute


def test_agency_member_cannot_recompute_another_agency(db_session):
    mine, other = f.agency(db_session), f.agency(db_session)
    with pytest.raises(NotAuthorized):
        services.recompute_agency(
            db_session, actor(Role.agency_member, {mine.id}), other.id, dt.date(2025, 1, 1)
        )
    with pytest.raises(NotAuthorized):
        services.take_snapshot(db_session, actor(Role.overseer), dt.date(2025, 1, 1))


def test_bad_milestone_input_names_every_field(db_session):
    program = services.create_program(db_session, SYSTEM, {"code": "p2", "title_fa": "برنامه"})
    with pytest.raises(ValidationError) as error:
        services.create_milestone(
            db_session,
            SYSTEM,
            program.id,
            {
                "code": "",
                "metric": "nope",
                "target": "150%",
                "deadline": "1403/13/01",
                "scope_kinds": "planet",
            },
        )
    assert set(error.value.fields) == {"code", "title_fa", "metric", "target", "deadline", "scope_kinds"}
    assert "unknown metric" in error.value.fields["metric"]
    assert db_session.scalars(select(Milestone).where(Milestone.program_id == program.id)).all() == []


def test_duplicate_codes_conflict_and_updates_keep_unchanged_fields(db_session):
    program = services.create_program(db_session, SYSTEM, {"code": "p3", "title_fa": "برنامه"})
    with pytest.raises(Conflict):
        services.create_program(db_session, SYSTEM, {"code": "p3", "title_fa": "دیگر"})
    milestone = services.create_milestone(db_session, SYSTEM, program.id, MILESTONE)
    with pytest.raises(Conflict):
        services.create_milestone(db_session, SYSTEM, program.id, MILESTONE)
    services.update_milestone(
        db_session, SYSTEM, milestone.id, {"target": "0.5", "scope_kinds": [AgencyKind.ministry.value]}
    )
    assert (milestone.target, milestone.scope_kinds, milestone.metric) == (0.5, ["ministry"], "electronic")


def test_default_program_seed_is_idempotent_and_matches_the_design_table(db_session):
    first = seed_default_program(db_session)
    second = seed_default_program(db_session)
    assert (first.created, second.created) == (5, 0)
    program = db_session.scalar(select(Program).where(Program.code == "budget-1403-c7"))
    got = [(m.metric, m.target, m.deadline, m.target_kind) for m in program.milestones]
    assert got == [
        ("electronic", 1.0, dt.date(2024, 11, 20), "ratio"),
        ("inquiries_online", 1.0, dt.date(2024, 12, 20), "ratio"),
        ("smart", 0.2, dt.date(2025, 1, 19), "ratio"),
        ("joined_cloud", 1.0, dt.date(2025, 3, 21), "boolean"),
    ]
