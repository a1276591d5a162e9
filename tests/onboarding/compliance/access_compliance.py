"""Compliance routes in the role matrix (see tests/portal/access_matrix.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.dates import tehran_today
from tests.portal.access_matrix import (
    AGENCY_READ_API,
    AGENCY_READ_PAGE,
    PLATFORM_ADMIN_API,
    PLATFORM_ADMIN_PAGE,
    SIGNED_IN_API,
    SIGNED_IN_PAGE,
    WORLD_BUILDERS,
    Case,
    World,
    add,
    expect,
    in_sub,
)

OVERSIGHT_PAGE = expect(403, anonymous=302, platform_admin=200, overseer=200)
OVERSIGHT_API = expect(403, anonymous=401, platform_admin=200, overseer=200)
ADMIN_POST = expect(403, anonymous=302, platform_admin=302)
MILESTONE_FORM = {
    "code": "matrix-new",
    "title_fa": "آزمون",
    "metric": "electronic",
    "target": "1",
    "deadline": "1405/01/01",
}


def _program(w: World) -> int:
    return w.own["program"].id


def _milestone(w: World) -> int:
    return w.own["milestone"].id


def _world(session: Any, world: World) -> None:
    from core.actors import SYSTEM
    from onboarding.compliance import services
    from tests.onboarding.compliance import factories as f

    program = f.program(session)
    world.own["program"] = program
    world.own["milestone"] = f.milestone(session, program, "electronic", 1.0, dt.date(2099, 1, 1))
    f.services(session, world.own["agency"], [2, 3])
    services.take_snapshot(session, SYSTEM, tehran_today())


WORLD_BUILDERS.append(_world)

add("compliance.index", Case("GET", lambda w: "/compliance", expect(302)))
add("compliance.dashboard", Case("GET", lambda w: f"/programs/{_program(w)}/dashboard", OVERSIGHT_PAGE))
add(
    "compliance.dashboard_export",
    Case("GET", lambda w: f"/programs/{_program(w)}/dashboard.csv", OVERSIGHT_PAGE),
    Case("GET", lambda w: f"/programs/{_program(w)}/dashboard.xlsx", OVERSIGHT_PAGE),
)
add(
    "compliance.agency",
    Case("GET", lambda w: f"/programs/{_program(w)}/agencies/{w.own['agency'].id}", AGENCY_READ_PAGE),
)
add(
    "compliance.agency_export",
    Case("GET", lambda w: f"/programs/{_program(w)}/agencies/{w.own['agency'].id}.csv", AGENCY_READ_PAGE),
    Case("GET", lambda w: f"/programs/{_program(w)}/agencies/{w.own['agency'].id}.xlsx", AGENCY_READ_PAGE),
)
add("compliance.notifications", Case("GET", lambda w: "/notifications", SIGNED_IN_PAGE))
add(
    "compliance.programs",
    Case("GET", lambda w: "/programs", PLATFORM_ADMIN_PAGE),
    Case("POST", lambda w: "/programs", ADMIN_POST, form=lambda w: {"code": "mx", "title_fa": "برنامه"}),
)
add(
    "compliance.program",
    Case("GET", lambda w: f"/programs/{_program(w)}", PLATFORM_ADMIN_PAGE),
    Case("POST", lambda w: f"/programs/{_program(w)}", ADMIN_POST, form=lambda w: {"title_fa": "تازه"}),
)
add(
    "compliance.create_milestone",
    Case("POST", lambda w: f"/programs/{_program(w)}/milestones", ADMIN_POST, form=lambda w: MILESTONE_FORM),
)
add(
    "compliance.milestone",
    Case("GET", lambda w: f"/milestones/{_milestone(w)}", PLATFORM_ADMIN_PAGE),
    Case("POST", lambda w: f"/milestones/{_milestone(w)}", ADMIN_POST, form=lambda w: {"target": "0.5"}),
)
add(
    "compliance.delete_milestone",
    Case("POST", lambda w: f"/milestones/{_milestone(w)}/delete", ADMIN_POST, form=lambda w: {}),
)
add(
    "compliance.take_snapshot",
    Case("POST", lambda w: f"/programs/{_program(w)}/snapshot", ADMIN_POST, form=lambda w: {}),
)

add("api.list_programs", Case("GET", lambda w: "/api/v1/programs", SIGNED_IN_API))
add("api.get_program", Case("GET", lambda w: f"/api/v1/programs/{_program(w)}", SIGNED_IN_API))
add(
    "api.create_program",
    Case(
        "POST",
        lambda w: "/api/v1/programs",
        expect(403, anonymous=401, platform_admin=201),
        json=lambda w: {"code": "api-new", "title_fa": "برنامه"},
    ),
)
add(
    "api.update_program",
    Case(
        "PATCH",
        lambda w: f"/api/v1/programs/{_program(w)}",
        PLATFORM_ADMIN_API,
        json=lambda w: {"title_en": "Renamed"},
        headers=lambda w: {"If-Match": "*"},
    ),
)
add(
    "api.create_milestone",
    Case(
        "POST",
        lambda w: f"/api/v1/programs/{_program(w)}/milestones",
        expect(403, anonymous=401, platform_admin=201),
        json=lambda w: {**MILESTONE_FORM, "target": 1},
    ),
)
add(
    "api.update_milestone",
    Case(
        "PATCH",
        lambda w: f"/api/v1/programs/{_program(w)}/milestones/{_milestone(w)}",
        PLATFORM_ADMIN_API,
        json=lambda w: {"target": 0.5},
        headers=lambda w: {"If-Match": "*"},
    ),
)
add(
    "api.delete_milestone",
    Case(
        "DELETE",
        lambda w: f"/api/v1/programs/{_program(w)}/milestones/{_milestone(w)}",
        expect(403, anonymous=401, platform_admin=204),
        headers=lambda w: {"If-Match": "*"},
    ),
)
add("api.matrix", Case("GET", lambda w: f"/api/v1/programs/{_program(w)}/matrix", OVERSIGHT_API))
add(
    "api.agency_detail",
    Case("GET", lambda w: f"/api/v1/programs/{_program(w)}/agencies/{w.own['agency'].id}", AGENCY_READ_API),
)

# S, a sub-agency of A: its people and A's read its compliance; B's get 404
add(
    "compliance.agency",
    Case("GET", lambda w: f"/programs/{_program(w)}/agencies/{w.sub['agency'].id}", in_sub(AGENCY_READ_PAGE)),
)
add(
    "api.agency_detail",
    Case(
        "GET",
        lambda w: f"/api/v1/programs/{_program(w)}/agencies/{w.sub['agency'].id}",
        in_sub(AGENCY_READ_API),
    ),
)
