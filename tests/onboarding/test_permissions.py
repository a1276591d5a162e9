"""Who may see, plan and run which agency's workloads: actor × action on agency A's rows × answer.

`hidden` is NotFound (another agency's rows do not exist for you), `refused` is NotAuthorized
(you may see them but not change them: overseers).
"""

from __future__ import annotations

import pytest

from core.errors import NotAuthorized, NotFound
from onboarding.inventory.queries import get_workload, list_workloads
from onboarding.inventory.services import assess_workload, create_data_center, update_workload
from onboarding.plans.services import create_plan, get_plan
from onboarding.runs.services import cancel_run, get_run, start_run
from tests.fixtures.onboarding import READY

ACTORS = ("admin_a", "member_a", "member_b", "overseer", "platform")


def _read_workload(w, actor, rows):
    get_workload(w.session, actor, rows["workload"].id)


def _update_workload(w, actor, rows):
    update_workload(w.session, actor, rows["workload"].id, title="renamed")


def _assess(w, actor, rows):
    assess_workload(w.session, actor, rows["workload"].id, READY)


def _add_data_center(w, actor, rows):
    create_data_center(w.session, actor, w.a.id, "Second DC")


def _read_plan(w, actor, rows):
    get_plan(w.session, actor, rows["plan"].id)


def _create_plan(w, actor, rows):
    create_plan(w.session, actor, w.a.id, "another plan", "small")


def _start_run(w, actor, rows):
    start_run(w.session, actor, rows["workload"].id)


def _read_run(w, actor, rows):
    get_run(w.session, actor, rows["run"].id)


def _cancel_run(w, actor, rows):
    cancel_run(w.session, actor, rows["run"].id)


TABLE = {
    #                  admin_a member_a member_b  overseer  platform
    _read_workload: ("ok", "ok", "hidden", "ok", "ok"),
    _update_workload: ("ok", "ok", "hidden", "refused", "ok"),
    _assess: ("ok", "ok", "hidden", "refused", "ok"),
    _add_data_center: ("ok", "ok", "refused", "refused", "ok"),
    _read_plan: ("ok", "ok", "hidden", "ok", "ok"),
    _create_plan: ("ok", "ok", "refused", "refused", "ok"),
    _start_run: ("ok", "ok", "hidden", "refused", "ok"),
    _read_run: ("ok", "ok", "hidden", "ok", "ok"),
    _cancel_run: ("ok", "ok", "hidden", "refused", "ok"),
}
CASES = [
    pytest.param(action, actor, expected, id=f"{action.__name__[1:]}-{actor}")
    for action, row in TABLE.items()
    for actor, expected in zip(ACTORS, row, strict=True)
]


@pytest.mark.parametrize(("action", "actor_name", "expected"), CASES)
def test_access(world, action, actor_name, expected):
    other = world.workload(name="other")
    rows = {
        "workload": world.workload(),
        "plan": create_plan(world.session, world.admin_a, world.a.id, "plan", "small"),
        "run": start_run(world.session, world.admin_a, other.id),
    }
    actor = getattr(world, actor_name)
    if expected == "ok":
        action(world, actor, rows)
    else:
        with pytest.raises(NotFound if expected == "hidden" else NotAuthorized):
            action(world, actor, rows)


def test_lists_show_only_the_agencies_an_actor_may_read(world):
    world.workload(name="mine")
    world.workload(name="theirs", agency=world.b)
    assert [w.name for w in list_workloads(world.session, world.member_a)] == ["mine"]
    assert [w.name for w in list_workloads(world.session, world.member_b)] == ["theirs"]
    assert sorted(w.name for w in list_workloads(world.session, world.overseer)) == ["mine", "theirs"]
