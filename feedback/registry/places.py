"""Provinces, counties and agencies as the registry accepts them: the shipped reference lists plus
the counties registry admins have added since (`LocalCounty`)."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import reference
from core.text import normalize_fa
from feedback.registry.models import LocalCounty


@dataclasses.dataclass(frozen=True)
class Place:
    code: str
    name_fa: str
    name_en: str


class Places:
    """Lookups for one import or one page: local counties are loaded once (there are a handful)."""

    def __init__(self, session: Session) -> None:
        self._local: dict[tuple[str, str], Place] = {}
        self._local_by_code: dict[str, Place] = {}
        for county in session.scalars(select(LocalCounty)):
            place = Place(county.code, county.name_fa, county.name_en)
            for key in (county.name_key, normalize_fa(county.name_en), normalize_fa(county.code)):
                if key:
                    self._local[(county.province_code, key)] = place
            self._local_by_code[county.code] = place
        self._agencies = {a.code.upper(): a for a in reference.agencies()}

    def province(self, name: str) -> reference.Province | None:
        return reference.find_province(name)

    def county(self, province_code: str, name: str) -> Place | None:
        found = reference.find_county(province_code, name)
        if found is not None:
            return Place(found.code, found.name_fa, found.name_en)
        return self._local.get((province_code, normalize_fa(name)))

    def agency(self, code: str) -> reference.AgencyRecord | None:
        return self._agencies.get(code.strip().upper())

    def county_name(self, code: str) -> str:
        county = reference.counties_by_code().get(code)
        if county is not None:
            return county.name_fa
        local = self._local_by_code.get(code)
        return local.name_fa if local else code


def agency_name(code: str) -> str:
    agency = reference.agencies_by_code().get(code)
    return agency.name_fa if agency else code


def province_name(code: str) -> str:
    province = reference.provinces_by_code().get(code)
    return province.name_fa if province else code
