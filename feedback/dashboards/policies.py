"""Who sees which dashboard scope: pure functions of the account's scope and the requested one.

Each account sees its own scope and what lies below it: the nation sees everything; a province its
counties and the agencies' offices in it; an agency (a ministry with its affiliated organizations,
`feedback.dashboards.hierarchy`) its units, offices and their employees; a unit its employees.
Employees are ranked by name only for their unit's own head (a unit-scope account), never for a
wider scope, so a ministry does not browse individual desks.
"""

from __future__ import annotations

from feedback.dashboards.hierarchy import family
from feedback.dashboards.scopes import (
    AGENCY,
    COUNTY,
    EMPLOYEE,
    NATION,
    OFFICE,
    PROVINCE,
    UNIT,
    Scope,
    county_province,
)


def can_view_scope(account: Scope | None, requested: Scope, employee_unit: str = "") -> bool:
    """`employee_unit` is the employee's `AGENCY/unit` key when `requested` is an employee."""
    if account is None:
        return False
    if account.kind == NATION:
        return True
    if account == requested:
        return True
    if account.kind == PROVINCE:
        if requested.kind == OFFICE:
            return requested.office_place[0] == account.value
        return requested.kind == COUNTY and county_province(requested.value) == account.value
    if account.kind == AGENCY:
        mine = family(account.value)
        if requested.kind in (AGENCY, UNIT, OFFICE):
            return requested.agency_code in mine
        if requested.kind == EMPLOYEE:
            return bool(employee_unit) and employee_unit.split("/", 1)[0] in mine
        return False
    if account.kind == UNIT:
        return requested.kind == EMPLOYEE and employee_unit == account.value
    return False


def can_rank_employees(account: Scope | None, unit: Scope) -> bool:
    """Employees within a unit, ranked: only for that unit's head."""
    return account is not None and account.kind == UNIT and unit == account


def can_see_map(scope: Scope) -> bool:
    """Rollups have no agency-by-province level, so the map is drawn for the nation and provinces."""
    return scope.kind in (NATION, PROVINCE)


def can_see_reports(account: Scope | None) -> bool:
    """Missing-code reports reach the nation, the province and the agency they name."""
    return account is not None and account.kind in (NATION, PROVINCE, AGENCY)


def report_in_scope(account: Scope | None, agency_code: str, province_code: str) -> bool:
    if account is None:
        return False
    if account.kind == NATION:
        return True
    if account.kind == PROVINCE:
        return province_code == account.value
    if account.kind == AGENCY:
        return agency_code in family(account.value)
    return False
