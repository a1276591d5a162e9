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


def parse_scope(text: str, kinds: tuple[str, ...] = KINDS) -> Scope:
    """`nation`, `province:IR-23`, `agency:ITO`, `unit:ITO/name`...; a clear error names what is wrong."""
    kind, value = _kind_and_value(text, kinds)
    if kind == NATION:
        return NATION_SCOPE
    if not value:
        raise ValidationError(
            f"the {kind} scope needs a value ({kind}:...)", fields={"scope": "missing value"}
        )
    return Scope(kind, _VALUES.get(kind, _as_written)(value))


def _kind_and_value(text: str, kinds: tuple[str, ...]) -> tuple[str, str]:
    """The scope's kind (one of `kinds`, in lower case) and its value as written, trimmed."""
    kind, _, value = (text or "").strip().partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if kind not in kinds:
        raise ValidationError(
            f"unknown scope kind {kind!r}: use one of {', '.join(kinds)}", fields={"scope": "unknown kind"}
        )
    return kind, value


def _as_written(value: str) -> str:
    return value


def _province_value(value: str) -> str:
    return _known_province(value.upper(), written=value)


def _agency_value(value: str) -> str:
    """The agency's code, in capitals (anything after a `/` is a unit, which this scope leaves out)."""
    return _known_agency(value.partition("/")[0].upper())


def _unit_value(value: str) -> str:
    """`AGENCY/unit name`: the unit's rollup key."""
    agency, _, unit = value.partition("/")
    agency = _known_agency(agency.upper())
    if not unit.strip():
        raise ValidationError("a unit scope is AGENCY/unit name", fields={"scope": "missing unit name"})
    return unit_key(agency, unit.strip())


def _employee_value(value: str) -> str:
    # ASCII digits naming a possible row: a larger number would reach PostgreSQL as an overflow
    if not (value.isascii() and value.isdigit() and is_valid_id(int(value))):
        raise ValidationError("an employee scope is employee:<id>", fields={"scope": "not an id"})
    return str(int(value))


def _office_value(value: str) -> str:
    """`AGENCY/PROVINCE` or `AGENCY/PROVINCE/COUNTY`, each part known and the county in the province."""
    parts = [part.strip() for part in value.split("/")]
    if len(parts) not in (2, 3):
        raise ValidationError(
            "an office scope is AGENCY/PROVINCE or AGENCY/PROVINCE/COUNTY", fields={"scope": "bad office"}
        )
    agency = _known_agency(parts[0].upper())
    province = _known_province(parts[1].upper())
    if len(parts) == 2:
        return f"{agency}/{province}"
    if county_province(parts[2]) != province:
        raise ValidationError(f"no county {parts[2]!r} in {province}", fields={"scope": "unknown county"})
    return f"{agency}/{province}/{parts[2]}"


# How each kind's value is checked and written as the rollups key it (a county is taken as written).
_VALUES = {
    PROVINCE: _province_value,
    AGENCY: _agency_value,
    UNIT: _unit_value,
    EMPLOYEE: _employee_value,
    OFFICE: _office_value,
}


def _known_agency(code: str) -> str:
    if code not in reference.agencies_by_code():
        raise ValidationError(f"no agency with the code {code!r}", fields={"scope": "unknown agency"})
    return code


def _known_province(code: str, written: str | None = None) -> str:
    if code not in reference.provinces_by_code():
        shown = code if written is None else written
        raise ValidationError(f"no province with the code {shown!r}", fields={"scope": "unknown province"})
    return code


def county_province(county_code: str) -> str:
    county = reference.counties_by_code().get(county_code)
    return county.province_code if county else ""
