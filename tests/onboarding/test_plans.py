"""Plans: waves respect dependencies and say why each workload sits where it does."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import ValidationError
from onboarding.plans.ordering import layers
from onboarding.plans.services import add_wave, create_plan, schedule_workload, suggest_waves
from onboarding.runs.services import start_wave


@pytest.fixture
def chain(world):
    database = world.workload(name="database")
    api = world.workload(name="api", depends_on=[database])
    portal = world.workload(name="portal", depends_on=[api])
    plan = create_plan(world.session, world.admin_a, world.a.id, "1404 move", "medium")
    for number in (1, 2, 3):
        add_wave(world.session, world.admin_a, plan.id, number, f"wave {number}", f"1404/0{number}/15")
    return plan, database, api, portal


def test_waves_have_jalali_target_dates(world, chain):
    plan = chain[0]
    assert [w.target_date for w in plan.waves] == [
        dt.date(2025, 4, 4),
        dt.date(2025, 5, 5),
        dt.date(2025, 6, 5),
    ]


def test_a_workload_cannot_go_before_what_it_depends_on(world, chain):
    plan, database, api, _portal = chain
    with pytest.raises(ValidationError) as raised:
        schedule_workload(world.session, world.admin_a, plan.id, 1, api.id)
    assert raised.value.fields["wave"] == "api depends on database, which is not in this plan"

    schedule_workload(world.session, world.admin_a, plan.id, 2, database.id)
    with pytest.raises(ValidationError) as raised:
        schedule_workload(world.session, world.admin_a, plan.id, 2, api.id)
    assert raised.value.fields["wave"] == "api depends on database, which is in wave 2"

    entry = schedule_workload(world.session, world.admin_a, plan.id, 3, api.id)
    assert entry.reason == "api in wave 3 after database (wave 2)"
    with pytest.raises(ValidationError) as raised:  # moving the dependency after its dependent
        schedule_workload(world.session, world.admin_a, plan.id, 3, database.id)
    assert raised.value.fields["wave"] == "api in wave 3 depends on database"


def test_a_wave_starts_only_after_what_it_needs_has_moved(world, chain):
    plan, database, api, _portal = chain
    schedule_workload(world.session, world.admin_a, plan.id, 1, database.id)
    schedule_workload(world.session, world.admin_a, plan.id, 2, api.id)
    with pytest.raises(ValidationError) as raised:
        start_wave(world.session, world.admin_a, plan.id, 2)
    assert raised.value.fields == {"api": "waits for database to be migrated"}
    runs = start_wave(world.session, world.admin_a, plan.id, 1)
    assert [r.workload.name for r in runs] == ["database"]


def test_suggested_waves_follow_dependencies(world, chain):
    assert suggest_waves(world.session, world.overseer, world.a.id) == [["database"], ["api"], ["portal"]]


def test_a_cycle_is_named():
    with pytest.raises(ValidationError) as raised:
        layers({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()})
    assert raised.value.fields["depends_on"] == "a → b → c → a"
