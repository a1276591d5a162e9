"""The role matrix: every route of the portal and the API, for every kind of actor, against objects
of the actor's own agency, of another agency and of sub-agencies in the catalog tree.

Agency A ('own') has two sub-agencies: S ('sub', whose admin and member are the `sub_*` actors) and
its sibling S2 ('sibling'). B ('other') is unrelated. The policy (catalog/policies.py): A's people act
on A and everything below it; S's people act on S only, so A's objects, S2's and B's are another
agency's to them. `expect` therefore gives the `sub_*` actors the answer B's people get, unless a case
says otherwise; `in_sub` turns a profile for A's object into the one for the same route on S's object.

Areas add their routes (and objects they need, via WORLD_BUILDERS) in `tests/<area>/access_<area>.py`:
    add("catalog.service_detail", Case("GET", lambda w: f"/services/{w.own['service'].id}", AGENCY_READ_PAGE))
A route missing from CASES fails `test_every_route_is_in_the_matrix`.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

import tests

ACTORS = (
    "anonymous",
    "platform_admin",
    "overseer",
    "auditor",
    "own_admin",
    "own_member",
    "other_admin",
    "other_member",
    "sub_admin",
    "sub_member",
)


@dataclasses.dataclass
class World:
    """Objects of agency A ('own'), agency B ('other'), A's sub-agency S ('sub') and S's sibling S2
    ('sibling'); actors named 'own_*' belong to A, 'other_*' to B, 'sub_*' to S."""

    own: dict[str, Any] = dataclasses.field(default_factory=dict)
    other: dict[str, Any] = dataclasses.field(default_factory=dict)
    sub: dict[str, Any] = dataclasses.field(default_factory=dict)
    sibling: dict[str, Any] = dataclasses.field(default_factory=dict)


def expect(default: int, **per_actor: int) -> dict[str, int]:
    """The answer of each actor; S's people answer as B's do unless named (A's objects, S2's and B's
    are another agency's to them)."""
    unknown = set(per_actor) - set(ACTORS)
    assert not unknown, unknown
    per_actor.setdefault("auditor", per_actor.get("overseer", default))  # reads, changes nothing
    per_actor.setdefault("sub_admin", per_actor.get("other_admin", default))
    per_actor.setdefault("sub_member", per_actor.get("other_member", default))
    return {actor: per_actor.get(actor, default) for actor in ACTORS}


def in_sub(profile: dict[str, int], **per_actor: int) -> dict[str, int]:
    """The same route on an object of S instead of A: S's people answer as A's did on A's object, and
    A's people keep their answers, since they act for every agency below A."""
    unknown = set(per_actor) - set(ACTORS)
    assert not unknown, unknown
    return {
        **profile,
        "sub_admin": profile["own_admin"],
        "sub_member": profile["own_member"],
        **per_actor,
    }


@dataclasses.dataclass
class Case:
    method: str
    path: Callable[[World], str]
    expected: dict[str, int]
    form: Callable[[World], dict[str, Any]] | None = None  # page POSTs (a CSRF token is added)
    json: Callable[[World], Any] | None = None  # API writes
    headers: Callable[[World], dict[str, str]] | None = None


# Profiles most routes follow.
PUBLIC = expect(200)
SIGNED_IN_PAGE = expect(200, anonymous=302)
SIGNED_IN_API = expect(200, anonymous=401)
# Pages about an object of agency A: readers of every agency, and A's own people; B's people get 404
# (another agency's objects do not exist for them).
AGENCY_READ_PAGE = expect(200, anonymous=302, other_admin=404, other_member=404)
AGENCY_READ_API = expect(200, anonymous=401, other_admin=404, other_member=404)
PLATFORM_ADMIN_PAGE = expect(403, anonymous=302, platform_admin=200)
PLATFORM_ADMIN_API = expect(403, anonymous=401, platform_admin=200)

WORLD_BUILDERS: list[Callable[[Any, World], None]] = []
CASES: dict[str, list[Case]] = {}


def add(endpoint: str, *cases: Case) -> None:
    CASES.setdefault(endpoint, []).extend(cases)


# --- the foundation's and accounts' routes ---------------------------------------------------------
for endpoint, path in (
    ("health.healthz", "/healthz"),
    ("health.readyz", "/readyz"),
    ("home.index", "/"),
    ("account.sign_in", "/sign-in"),
    ("account.request_reset", "/account/reset"),
    ("account.reset_with_link", "/account/reset/not-a-token"),
    ("api.openapi_document", "/api/v1/openapi.json"),
    ("api_docs.docs", "/api/v1/docs"),
):
    add(endpoint, Case("GET", lambda w, p=path: p, PUBLIC))
add("account.sign_out", Case("POST", lambda w: "/sign-out", expect(302), form=lambda w: {}))
add("account.tokens", Case("GET", lambda w: "/account/tokens", SIGNED_IN_PAGE))
add(
    "account.change_password",
    Case("GET", lambda w: "/account/password", SIGNED_IN_PAGE),
    # the wrong current password: the form again, 422 (a right one would end the other sessions)
    Case(
        "POST",
        lambda w: "/account/password",
        expect(422, anonymous=302),
        form=lambda w: {"current_password": "x", "new_password": "y", "confirm_password": "y"},
    ),
)
add(
    "account.create_token",
    Case("POST", lambda w: "/account/tokens", SIGNED_IN_PAGE, form=lambda w: {"label": "t"}),
)
add(
    "account.revoke_token",
    # a token of A's member: only its owner and platform admins may revoke it
    Case(
        "POST",
        lambda w: f"/account/tokens/{w.own['member_token'].id}/revoke",
        expect(403, anonymous=302, platform_admin=302, own_member=302),
        form=lambda w: {},
    ),
    # a token of S's member: A's admin manages S but not its people's tokens (owner and platform only)
    Case(
        "POST",
        lambda w: f"/account/tokens/{w.sub['member_token'].id}/revoke",
        expect(403, anonymous=302, platform_admin=302, sub_member=302),
        form=lambda w: {},
    ),
)
add("api.me", Case("GET", lambda w: "/api/v1/me", SIGNED_IN_API))


def _accounts_world(session: Any, world: World) -> None:
    from core.actors import SYSTEM
    from portal.accounts import services as accounts

    for side in (world.own, world.sub):
        side["member_token"], _ = accounts.issue_token(session, SYSTEM, side["member"].id, "matrix")


WORLD_BUILDERS.append(_accounts_world)


def load_area_cases() -> None:
    """Area modules named `tests/**/access_*.py` register their cases on import."""
    for module in pkgutil.walk_packages(tests.__path__, "tests."):
        if module.name.rsplit(".", 1)[-1].startswith("access_") and module.name != __name__:
            importlib.import_module(module.name)


def build_world(session: Any, make_agency: Callable[..., Any], make_user: Callable[..., Any]) -> World:
    """Agencies A and B, A's sub-agencies S and S2, an actor of each kind, and every area's objects
    (WORLD_BUILDERS); what the role matrix walks and what the accessibility test renders."""
    from core.actors import Role

    world = World()
    world.own["agency"], world.other["agency"] = make_agency(), make_agency()
    world.sub["agency"] = make_agency(parent=world.own["agency"])
    world.sibling["agency"] = make_agency(parent=world.own["agency"])
    actors = {
        "platform_admin": make_user(Role.platform_admin),
        "overseer": make_user(Role.overseer),
        "auditor": make_user(Role.auditor),
        "own_admin": make_user(Role.agency_admin, agency=world.own["agency"]),
        "own_member": make_user(Role.agency_member, agency=world.own["agency"]),
        "other_admin": make_user(Role.agency_admin, agency=world.other["agency"]),
        "other_member": make_user(Role.agency_member, agency=world.other["agency"]),
        "sub_admin": make_user(Role.agency_admin, agency=world.sub["agency"]),
        "sub_member": make_user(Role.agency_member, agency=world.sub["agency"]),
    }
    for side, prefix in ((world.own, "own"), (world.other, "other"), (world.sub, "sub")):
        side["admin"], side["member"] = actors[f"{prefix}_admin"], actors[f"{prefix}_member"]
    world.actors = actors
    for build in WORLD_BUILDERS:
        build(session, world)
    return world
