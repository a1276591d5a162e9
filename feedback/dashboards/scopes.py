"""Dashboard scopes: nation, province, agency, unit (and the county and employee levels below them).

A scope is written `nation`, `province:IR-23`, `county:0001`, `agency:ITO`, `unit:ITO/<unit name>` or
`employee:<id>`; the same text keys the rollups (`Rollup.level`, `Rollup.key`).
"""

from __future__ import annotations

import dataclasses

from core import reference
from core.db import is_valid_id
from core.errors import ValidationError
from feedback.rollups.models import NATION_KEY, unit_key

NATION, PROVINCE, COUNTY, AGENCY, UNIT, EMPLOYEE = (
    "nation",
    "province",
    "county",
    "agency",
    "unit",
    "employee",
)
ACCOUNT_KINDS = (NATION, PROVINCE, AGENCY, UNIT)
KINDS = (NATION, PROVINCE, COUNTY, AGENCY, UNIT, EMPLOYEE)


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
        if self.kind == UNIT:
            return self.value.split("/", 1)[0]
        return ""

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
    if kind == EMPLOYEE:
        # ASCII digits naming a possible row: a larger number would reach PostgreSQL as an overflow
        if not (value.isascii() and value.isdigit() and is_valid_id(int(value))):
            raise ValidationError("an employee scope is employee:<id>", fields={"scope": "not an id"})
        value = str(int(value))
    return Scope(kind, value)


def county_province(county_code: str) -> str:
    county = reference.counties_by_code().get(county_code)
    return county.province_code if county else ""
