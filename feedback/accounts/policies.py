"""Who may do what in the feedback service; services call these and raise NotAuthorized.

A registry account is either national (no place: the whole registry) or scoped to a place, as the
dashboard accounts are: `province:IR-23`, `county:2301` or `agency:ITO` (`REGISTRY_PLACE_KINDS`). A
scoped one sees and changes only the employees registered in its place (`employee_in_place`; the
queries' `feedback.registry.queries.in_place` says the same in SQL), and none of what is national:
dashboard accounts, the audit trail, the survey's questions.
"""

from __future__ import annotations

from core.actors import Actor, Role
from feedback.accounts.models import REGISTRY_ADMIN, VIEWER

PROVINCE, COUNTY, AGENCY = "province", "county", "agency"
REGISTRY_PLACE_KINDS = (PROVINCE, COUNTY, AGENCY)


def can_manage_registry(actor: Actor) -> bool:
    """Import, deactivate, reissue, print: registry accounts (each within its place) and operators."""
    return actor.role in {REGISTRY_ADMIN, Role.system}


def registry_place(actor: Actor) -> tuple[str, str] | None:
    """(kind, value) of the place a scoped registry account manages; None for the whole registry
    (operators, national registry admins) and for accounts that manage none of it."""
    if actor.role == REGISTRY_ADMIN and actor.scope_kind in REGISTRY_PLACE_KINDS:
        return actor.scope_kind, actor.scope_value
    return None


def can_manage_whole_registry(actor: Actor) -> bool:
    """What is national: dashboard accounts, registry accounts, the audit trail, survey questions,
    rollup rebuilds. Operators and registry admins without a place."""
    return can_manage_registry(actor) and registry_place(actor) is None


def employee_in_place(actor: Actor, agency_code: str, province_code: str, county_code: str) -> bool:
    """Whether an employee registered at this agency, province and county is the actor's to manage."""
    if not can_manage_registry(actor):
        return False
    place = registry_place(actor)
    if place is None:
        return True
    kind, value = place
    return {PROVINCE: province_code, COUNTY: county_code, AGENCY: agency_code}[kind] == value


def can_see_national_codes(actor: Actor) -> bool:
    """Masked national codes are shown to registry accounts only (dashboard accounts never see them)."""
    return actor.role in {REGISTRY_ADMIN, Role.system}


def can_manage_accounts(actor: Actor) -> bool:
    return actor.role == Role.system


def can_manage_viewers(actor: Actor) -> bool:
    """Dashboard accounts are created by operators (CLI) and national registry admins (admin page)."""
    return can_manage_whole_registry(actor)


def can_manage_registry_accounts(actor: Actor) -> bool:
    """Registry accounts scoped to a place: operators (CLI) and national registry admins (admin page)."""
    return can_manage_whole_registry(actor)


def can_add_county(actor: Actor, province_code: str) -> bool:
    """A county is added by a national registry admin or the province's own registry account."""
    if can_manage_whole_registry(actor):
        return True
    return can_manage_registry(actor) and registry_place(actor) == (PROVINCE, province_code)


def can_view_coverage(actor: Actor | None) -> bool:
    """The rollout's coverage (counts, no names): registry accounts, and dashboard accounts for their
    own scope (`feedback.registry.coverage.scoped_filters` narrows it)."""
    return actor is not None and actor.role in {REGISTRY_ADMIN, VIEWER, Role.system}


def sees_whole_registry(actor: Actor) -> bool:
    """National registry admins, operators, and nation-wide dashboard accounts (counts only)."""
    if actor.role in {REGISTRY_ADMIN, Role.system}:
        return registry_place(actor) is None
    return actor.role == VIEWER and actor.scope_kind == "nation"


def can_check_unit(actor: Actor | None, agency: str, unit: str) -> bool:
    """A unit's desks by name, and confirming their sheets are up: registry accounts (a scoped one for
    the unit's desks in its place) and the unit's own account (its head), no wider dashboard scope
    (a ministry does not browse desks)."""
    if actor is None:
        return False
    if actor.role in {REGISTRY_ADMIN, Role.system}:
        place = registry_place(actor)
        return place is None or place[0] != AGENCY or place[1] == agency
    return actor.role == VIEWER and actor.scope_kind == "unit" and actor.scope_value == f"{agency}/{unit}"
