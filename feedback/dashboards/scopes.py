"""Dashboard scopes: nation, province, agency, unit (and the county and employee levels below them),
and an agency's office in a province or county.

A scope is written `nation`, `province:IR-23`, `county:0001`, `agency:ITO`, `unit:ITO/<unit name>` or
`employee:<id>`; the same text keys the rollups (`Rollup.level`, `Rollup.key`). `office:MOI/IR-23` (an
agency's provincial office) and `office:MOI/IR-23/2301` (its county office) have no rollup level of
their own: they are the agency's employees registered in that place (`feedback.dashboards.agencies`).
"""

from __future__ import annotations

import dataclasses

from core import reference
from core.db import is_valid_id
from core.errors import ValidationError
from feedback.rollups.models import NATION_KEY, unit_key

NATION, PROVINCE, COUNTY, AGENCY, UNIT, EMPLOYEE, OFFICE = (
    "nation",
    "province",
    "county",
    "agency",
    "unit",
    "employee",
    "office",
)
ACCOUNT_KINDS = (NATION, PROVINCE, AGENCY, UNIT)
KINDS = (NATION, PROVINCE, COUNTY, AGENCY, UNIT, EMPLOYEE, OFFICE)


@dataclasses.dataclass(frozen=True)
class Scope:
    kind: str
    value: str = ""

    @property
    def key(self) -> str:
        """The rollup key of this scope."""
        return NATION_KEY if self.kind == NATION else self.value

    @property
    def agency_code(self) -> str:
        if self.kind == AGENCY:
            return self.value
        if self.kind in (UNIT, OFFICE):
            return self.value.split("/", 1)[0]
        return ""

    @property
    def office_place(self) -> tuple[str, str]:
        """(province code, county code or "") of an office scope."""
        if self.kind != OFFICE:
            return "", ""
        _agency, province, county = [*self.value.split("/"), "", ""][:3]
        return province, county

    def text(self) -> str:
        return NATION if self.kind == NATION else f"{self.kind}:{self.value}"


NATION_SCOPE = Scope(NATION)


def parse_scope(text: str, kinds: tuple[str, ...] = KINDS) -> Scope:  # noqa: C901 - one branch per scope kind; to split (issue 19)
    """`nation`, `province:IR-23`, `agency:ITO`, `unit:ITO/name`...; a clear error names what is wrong."""
    text = (text or "").strip()
    kind, _, value = text.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if kind not in kinds:
        raise ValidationError(
            f"unknown scope kind {kind!r}: use one of {', '.join(kinds)}", fields={"scope": "unknown kind"}
        )
    if kind == NATION:
        return NATION_SCOPE
    if not value:
        raise ValidationError(
            f"the {kind} scope needs a value ({kind}:...)", fields={"scope": "missing value"}
        )
    if kind == PROVINCE and value.upper() not in reference.provinces_by_code():
        raise ValidationError(f"no province with the code {value!r}", fields={"scope": "unknown province"})
    if kind == PROVINCE:
        value = value.upper()
    if kind in (AGENCY, UNIT):
        agency, _, unit = value.partition("/")
        agency = agency.upper()
        if agency not in reference.agencies_by_code():
            raise ValidationError(f"no agency with the code {agency!r}", fields={"scope": "unknown agency"})
        if kind == UNIT and not unit.strip():
            raise ValidationError("a unit scope is AGENCY/unit name", fields={"scope": "missing unit name"})
        value = agency if kind == AGENCY else unit_key(agency, unit.strip())
    if kind == OFFICE:
        return Scope(OFFICE, _office_value(value))
    if kind == EMPLOYEE:
        # ASCII digits naming a possible row: a larger number would reach PostgreSQL as an overflow
        if not (value.isascii() and value.isdigit() and is_valid_id(int(value))):
            raise ValidationError("an employee scope is employee:<id>", fields={"scope": "not an id"})
        value = str(int(value))
    return Scope(kind, value)


def _office_value(value: str) -> str:
    """`AGENCY/PROVINCE` or `AGENCY/PROVINCE/COUNTY`, each part known and the county in the province."""
    parts = [part.strip() for part in value.split("/")]
    if len(parts) not in (2, 3):
        raise ValidationError(
            "an office scope is AGENCY/PROVINCE or AGENCY/PROVINCE/COUNTY", fields={"scope": "bad office"}
        )
    agency, province = parts[0].upper(), parts[1].upper()
    if agency not in reference.agencies_by_code():
        raise ValidationError(f"no agency with the code {agency!r}", fields={"scope": "unknown agency"})
    if province not in reference.provinces_by_code():
        raise ValidationError(f"no province with the code {province!r}", fields={"scope": "unknown province"})
    if len(parts) == 2:
        return f"{agency}/{province}"
    if county_province(parts[2]) != province:
        raise ValidationError(f"no county {parts[2]!r} in {province}", fields={"scope": "unknown county"})
    return f"{agency}/{province}/{parts[2]}"


def county_province(county_code: str) -> str:
    county = reference.counties_by_code().get(county_code)
    return county.province_code if county else ""
