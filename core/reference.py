"""Reference data shipped with the code: provinces and counties, province boundaries, agencies.

Copied from the project's shared data (sources and licences in reference/SOURCES.md); the province
map is OpenStreetMap data, so every map that draws it shows "© OpenStreetMap contributors".
"""

from __future__ import annotations

import csv
import dataclasses
from functools import cache
from pathlib import Path
from typing import TypeVar

from core.text import normalize_fa

REFERENCE_DIR = Path(__file__).resolve().parent / "reference"


@dataclasses.dataclass(frozen=True)
class Province:
    code: str
    name_fa: str
    name_en: str


@dataclasses.dataclass(frozen=True)
class County:
    code: str
    province_code: str
    name_fa: str
    name_en: str


@dataclasses.dataclass(frozen=True)
class AgencyRecord:
    code: str
    name_fa: str
    name_en: str
    kind: str
    parent_code: str


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def provinces() -> tuple[Province, ...]:
    seen: dict[str, Province] = {}
    for row in _rows("iran_divisions.csv"):
        seen.setdefault(
            row["province_code"], Province(row["province_code"], row["province_fa"], row["province_en"])
        )
    return tuple(sorted(seen.values(), key=lambda p: p.code))


@cache
def counties() -> tuple[County, ...]:
    return tuple(
        County(row["county_code"], row["province_code"], row["county_fa"], row["county_en"])
        for row in _rows("iran_divisions.csv")
    )


@cache
def agencies() -> tuple[AgencyRecord, ...]:
    return tuple(
        AgencyRecord(row["code"], row["name_fa"], row["name_en"], row["kind"], row["parent_code"])
        for row in _rows("executive_agencies.csv")
    )


@cache
def province_index() -> dict[str, Province]:
    """Province by code, or by its Persian or English name after normalization."""
    index: dict[str, Province] = {}
    for province in provinces():
        for key in (province.code, province.name_fa, province.name_en):
            index[normalize_fa(key)] = province
    return index


@cache
def county_index() -> dict[tuple[str, str], County]:
    """County by (province code, normalized Persian or English name or county code)."""
    index: dict[tuple[str, str], County] = {}
    for county in counties():
        for key in (county.code, county.name_fa, county.name_en):
            index[(county.province_code, normalize_fa(key))] = county
    return index


_Record = TypeVar("_Record", Province, County, AgencyRecord)


def _first_by_code(records: tuple[_Record, ...]) -> dict[str, _Record]:
    index: dict[str, _Record] = {}
    for record in records:
        index.setdefault(record.code, record)  # the first of a code wins, as a scan in order would
    return index


@cache
def provinces_by_code() -> dict[str, Province]:
    return _first_by_code(provinces())


@cache
def counties_by_code() -> dict[str, County]:
    return _first_by_code(counties())


@cache
def agencies_by_code() -> dict[str, AgencyRecord]:
    return _first_by_code(agencies())


def find_province(name: str) -> Province | None:
    return province_index().get(normalize_fa(name))


def find_county(province_code: str, name: str) -> County | None:
    return county_index().get((province_code, normalize_fa(name)))


def provinces_geojson_path() -> Path:
    return REFERENCE_DIR / "iran_provinces.geojson"
