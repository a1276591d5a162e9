"""The migration routes in the role matrix (see tests/portal/access_matrix.py).

Agency A ('own') has a data center, three workloads (one to assess and start, one with a run, one
in wave 1 of a plan). B's people and those of A's sub-agency S get 404 for A's objects, overseers read
but get 403 on changes. S has the same objects of its own: S's people and A's act on them.
"""

from __future__ import annotations

from typing import Any

from tests.portal.access_matrix import (
    AGENCY_READ_API,
    AGENCY_READ_PAGE,
    SIGNED_IN_API,
    SIGNED_IN_PAGE,
    WORLD_BUILDERS,
    Case,
    World,
    add,
    expect,
    in_sub,
)

ANSWERS = {
    "still_needed": "yes",
    "containerized": "yes",
    "stateless": "yes",
    "dependencies": "none",
    "documentation": "good",
    "team_skills": "yes",
    "commercial_alternative": "no",
    "must_stay_on_premises": "no",
}
COMPONENTS = [{"name": "web", "image": "registry.cloud.gov.ir/app:1", "ports": [8080]}]


def _migration_world(session: Any, world: World) -> None:
    from core.actors import SYSTEM
    from onboarding.inventory import services as inventory
    from onboarding.plans import services as plans
    from onboarding.runs import services as runs

    agency = world.own["agency"]
    dc = inventory.create_data_center(session, SYSTEM, agency.id, "Matrix DC")
    made = {}
    for name in ("w-start", "w-run", "w-wave"):
        made[name] = inventory.create_workload(
            session, SYSTEM, agency.id, data_center_id=dc.id, name=name, components=COMPONENTS
        )
    plan = plans.create_plan(session, SYSTEM, agency.id, "Matrix plan", "small")
    plans.add_wave(session, SYSTEM, plan.id, 1, "first")
    plans.schedule_workload(session, SYSTEM, plan.id, 1, made["w-wave"].id)
    world.own.update(
        data_center=dc,
        workload=made["w-start"],
        plan=plan,
        run=runs.start_run(session, SYSTEM, made["w-run"].id),
    )
    sub = world.sub["agency"].id
    sub_dc = inventory.create_data_center(session, SYSTEM, sub, "Sub DC")
    sub_made = {
        name: inventory.create_workload(
            session, SYSTEM, sub, data_center_id=sub_dc.id, name=name, components=COMPONENTS
        )
        for name in ("w-sub", "w-sub-run", "w-sub-wave")
    }
    sub_plan = plans.create_plan(session, SYSTEM, sub, "Sub plan", "small")
    plans.add_wave(session, SYSTEM, sub_plan.id, 1, "first")
    plans.schedule_workload(session, SYSTEM, sub_plan.id, 1, sub_made["w-sub-wave"].id)
    world.sub.update(
        data_center=sub_dc,
        workload=sub_made["w-sub"],
        plan=sub_plan,
        run=runs.start_run(session, SYSTEM, sub_made["w-sub-run"].id),
    )


WORLD_BUILDERS.append(_migration_world)

OWN_WRITE_PAGE = expect(302, other_admin=404, other_member=404, overseer=403)
NO_AGENCY = {"platform_admin": 422, "overseer": 422}
OWN_WRITE_API = expect(200, anonymous=401, other_admin=404, other_member=404, overseer=403)
CREATED_API = expect(201, anonymous=401, other_admin=404, other_member=404, overseer=403)
CREATE_IN_AGENCY_API = expect(201, anonymous=401, other_admin=403, other_member=403, overseer=403)


def _w(world: World) -> int:
    return world.own["workload"].id


add("migration.inventory_page", Case("GET", lambda w: "/migration/", SIGNED_IN_PAGE))
add("migration.consolidation_page", Case("GET", lambda w: "/migration/consolidation", SIGNED_IN_PAGE))
add(
    "migration.consolidation_export",
    Case("GET", lambda w: "/migration/consolidation.csv", SIGNED_IN_PAGE),
    Case("GET", lambda w: "/migration/consolidation.xlsx", SIGNED_IN_PAGE),
)
add("migration.workload_page", Case("GET", lambda w: f"/migration/workloads/{_w(w)}", AGENCY_READ_PAGE))
add("migration.plan_page", Case("GET", lambda w: f"/migration/plans/{w.own['plan'].id}", AGENCY_READ_PAGE))
add("migration.run_page", Case("GET", lambda w: f"/migration/runs/{w.own['run'].id}", AGENCY_READ_PAGE))
add(
    "migration.run_status",
    Case("GET", lambda w: f"/migration/runs/{w.own['run'].id}/status.json", AGENCY_READ_PAGE),
)
add(
    "migration.add_data_center",
    Case(
        "POST",
        lambda w: "/migration/data-centers",
        expect(302, **NO_AGENCY),
        form=lambda w: {"name": "New DC"},
    ),
)
add(
    "migration.add_workload",
    # B's people create in their own agency, so A's data center is a field error, not a leak
    Case(
        "POST",
        lambda w: "/migration/workloads",
        expect(302, other_admin=422, other_member=422, **NO_AGENCY),
        form=lambda w: {
            "name": "new-app",
            "data_center_id": w.own["data_center"].id,
            "components-0-name": "web",
            "components-0-image": "registry.cloud.gov.ir/app:1",
            "components-0-ports": "8080",
        },
    ),
)
add(
    "migration.new_workload",
    Case("GET", lambda w: "/migration/workloads/new", expect(200, anonymous=302, overseer=403)),
)
add(
    "migration.assess",
    Case(
        "POST", lambda w: f"/migration/workloads/{_w(w)}/assessment", OWN_WRITE_PAGE, form=lambda w: ANSWERS
    ),
)
add(
    "migration.start_run",
    Case("POST", lambda w: f"/migration/workloads/{_w(w)}/runs", OWN_WRITE_PAGE, form=lambda w: {}),
)
add(
    "migration.start_wave",
    Case(
        "POST",
        lambda w: f"/migration/plans/{w.own['plan'].id}/waves/1/start",
        OWN_WRITE_PAGE,
        form=lambda w: {},
    ),
)
add(
    "migration.cancel_run",
    Case("POST", lambda w: f"/migration/runs/{w.own['run'].id}/cancel", OWN_WRITE_PAGE, form=lambda w: {}),
)

add("api.list_workloads_api", Case("GET", lambda w: "/api/v1/migration/workloads", SIGNED_IN_API))
add("api.list_data_centers_api", Case("GET", lambda w: "/api/v1/migration/data-centers", SIGNED_IN_API))
add("api.consolidation_api", Case("GET", lambda w: "/api/v1/migration/consolidation", SIGNED_IN_API))
add("api.get_workload_api", Case("GET", lambda w: f"/api/v1/migration/workloads/{_w(w)}", AGENCY_READ_API))
add("api.get_plan_api", Case("GET", lambda w: f"/api/v1/migration/plans/{w.own['plan'].id}", AGENCY_READ_API))
add("api.get_run_api", Case("GET", lambda w: f"/api/v1/migration/runs/{w.own['run'].id}", AGENCY_READ_API))
add(
    "api.create_workload_api",
    Case(
        "POST",
        lambda w: "/api/v1/migration/workloads",
        CREATE_IN_AGENCY_API,
        json=lambda w: {
            "agency_id": w.own["agency"].id,
            "data_center_id": w.own["data_center"].id,
            "name": "api-app",
            "components": COMPONENTS,
        },
    ),
)
add(
    "api.create_data_center_api",
    Case(
        "POST",
        lambda w: "/api/v1/migration/data-centers",
        CREATE_IN_AGENCY_API,
        json=lambda w: {"agency_id": w.own["agency"].id, "name": "API DC"},
    ),
)
add(
    "api.create_plan_api",
    Case(
        "POST",
        lambda w: "/api/v1/migration/plans",
        CREATE_IN_AGENCY_API,
        json=lambda w: {"agency_id": w.own["agency"].id, "name": "API plan", "cloud_plan": "small"},
    ),
)
add(
    "api.assess_api",
    Case(
        "POST",
        lambda w: f"/api/v1/migration/workloads/{_w(w)}/assessment",
        OWN_WRITE_API,
        json=lambda w: {"answers": ANSWERS},
    ),
)
add(
    "api.start_run_api",
    Case("POST", lambda w: f"/api/v1/migration/workloads/{_w(w)}/runs", CREATED_API, json=lambda w: {}),
)
add(
    "api.add_wave_api",
    Case(
        "POST",
        lambda w: f"/api/v1/migration/plans/{w.own['plan'].id}/waves",
        CREATED_API,
        json=lambda w: {"number": 2, "target_date": "1404/02/01"},
    ),
)
add(
    "api.schedule_api",
    Case(
        "POST",
        lambda w: f"/api/v1/migration/plans/{w.own['plan'].id}/entries",
        OWN_WRITE_API,
        json=lambda w: {"wave": 1, "workload_id": _w(w)},
    ),
)
add(
    "api.start_wave_api",
    Case("POST", lambda w: f"/api/v1/migration/plans/{w.own['plan'].id}/waves/1/start", CREATED_API),
)
add(
    "api.cancel_run_api",
    Case("POST", lambda w: f"/api/v1/migration/runs/{w.own['run'].id}/cancel", OWN_WRITE_API),
)
add(
    "migration.add_plan",
    Case("POST", lambda w: "/migration/plans", expect(302, **NO_AGENCY), form=lambda w: {"name": "Plan B"}),
)
add(
    "migration.add_wave",
    Case(
        "POST",
        lambda w: f"/migration/plans/{w.own['plan'].id}/waves",
        OWN_WRITE_PAGE,
        form=lambda w: {"number": 2, "target_date": "1404/03/01"},
    ),
)
add(
    "migration.schedule",
    Case(
        "POST",
        lambda w: f"/migration/plans/{w.own['plan'].id}/entries",
        OWN_WRITE_PAGE,
        form=lambda w: {"wave": 1, "workload_id": _w(w)},
    ),
)


# --- S's objects (a sub-agency of A): S's people and A's act on them, B's get 404 -----------------
def _sw(world: World) -> int:
    return world.sub["workload"].id


add(
    "migration.workload_page",
    Case("GET", lambda w: f"/migration/workloads/{_sw(w)}", in_sub(AGENCY_READ_PAGE)),
)
add(
    "migration.assess",
    Case(
        "POST",
        lambda w: f"/migration/workloads/{_sw(w)}/assessment",
        in_sub(OWN_WRITE_PAGE),
        form=lambda w: ANSWERS,
    ),
)
add(
    "migration.start_run",
    Case("POST", lambda w: f"/migration/workloads/{_sw(w)}/runs", in_sub(OWN_WRITE_PAGE), form=lambda w: {}),
)
add(
    "api.get_workload_api",
    Case("GET", lambda w: f"/api/v1/migration/workloads/{_sw(w)}", in_sub(AGENCY_READ_API)),
)
add(
    "api.assess_api",
    Case(
        "POST",
        lambda w: f"/api/v1/migration/workloads/{_sw(w)}/assessment",
        in_sub(OWN_WRITE_API),
        json=lambda w: {"answers": ANSWERS},
    ),
)
add(
    "api.start_run_api",
    Case(
        "POST", lambda w: f"/api/v1/migration/workloads/{_sw(w)}/runs", in_sub(CREATED_API), json=lambda w: {}
    ),
)
add(
    "api.create_workload_api",
    Case(
        "POST",
        lambda w: "/api/v1/migration/workloads",
        in_sub(CREATE_IN_AGENCY_API),
        json=lambda w: {
            "agency_id": w.sub["agency"].id,
            "data_center_id": w.sub["data_center"].id,
            "name": "api-sub-app",
            "components": COMPONENTS,
        },
    ),
)
add(
    "api.create_data_center_api",
    Case(
        "POST",
        lambda w: "/api/v1/migration/data-centers",
        in_sub(CREATE_IN_AGENCY_API),
        json=lambda w: {"agency_id": w.sub["agency"].id, "name": "API sub DC"},
    ),
)


def _sp(world: World) -> int:
    return world.sub["plan"].id


def _sr(world: World) -> int:
    return world.sub["run"].id


add("migration.plan_page", Case("GET", lambda w: f"/migration/plans/{_sp(w)}", in_sub(AGENCY_READ_PAGE)))
add("migration.run_page", Case("GET", lambda w: f"/migration/runs/{_sr(w)}", in_sub(AGENCY_READ_PAGE)))
add(
    "migration.run_status",
    Case("GET", lambda w: f"/migration/runs/{_sr(w)}/status.json", in_sub(AGENCY_READ_PAGE)),
)
add(
    "migration.start_wave",
    Case(
        "POST",
        lambda w: f"/migration/plans/{_sp(w)}/waves/1/start",
        in_sub(OWN_WRITE_PAGE),
        form=lambda w: {},
    ),
)
add(
    "migration.cancel_run",
    Case("POST", lambda w: f"/migration/runs/{_sr(w)}/cancel", in_sub(OWN_WRITE_PAGE), form=lambda w: {}),
)
add(
    "migration.add_wave",
    Case(
        "POST",
        lambda w: f"/migration/plans/{_sp(w)}/waves",
        in_sub(OWN_WRITE_PAGE),
        form=lambda w: {"number": 2, "target_date": "1404/03/01"},
    ),
)
add(
    "migration.schedule",
    Case(
        "POST",
        lambda w: f"/migration/plans/{_sp(w)}/entries",
        in_sub(OWN_WRITE_PAGE),
        form=lambda w: {"wave": 1, "workload_id": _sw(w)},
    ),
)
add("api.get_plan_api", Case("GET", lambda w: f"/api/v1/migration/plans/{_sp(w)}", in_sub(AGENCY_READ_API)))
add("api.get_run_api", Case("GET", lambda w: f"/api/v1/migration/runs/{_sr(w)}", in_sub(AGENCY_READ_API)))
add(
    "api.create_plan_api",
    Case(
        "POST",
        lambda w: "/api/v1/migration/plans",
        in_sub(CREATE_IN_AGENCY_API),
        json=lambda w: {"agency_id": w.sub["agency"].id, "name": "API sub plan", "cloud_plan": "small"},
    ),
)
add(
    "api.add_wave_api",
    Case(
        "POST",
        lambda w: f"/api/v1/migration/plans/{_sp(w)}/waves",
        in_sub(CREATED_API),
        json=lambda w: {"number": 2, "target_date": "1404/02/01"},
    ),
)
add(
    "api.schedule_api",
    Case(
        "POST",
        lambda w: f"/api/v1/migration/plans/{_sp(w)}/entries",
        in_sub(OWN_WRITE_API),
        json=lambda w: {"wave": 1, "workload_id": _sw(w)},
    ),
)
add(
    "api.start_wave_api",
    Case("POST", lambda w: f"/api/v1/migration/plans/{_sp(w)}/waves/1/start", in_sub(CREATED_API)),
)
add(
    "api.cancel_run_api",
    Case("POST", lambda w: f"/api/v1/migration/runs/{_sr(w)}/cancel", in_sub(OWN_WRITE_API)),
)
