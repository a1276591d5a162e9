"""Match what a citizen typed or tapped to the reference agencies, provinces and counties."""

from __future__ import annotations

import re
from functools import cache

from core import reference
from core.reference import AgencyRecord, County, Province
from core.text import normalize_fa

# Offices citizens visit most, shown first until real report counts say otherwise.
COMMON_AGENCY_CODES = ("SSO", "INTA", "NOCR", "MOE", "MOHME", "IHIO", "MCLS", "MRUD", "IPC", "MOEN")
MAX_CHOICES = 8
_PUNCTUATION = re.compile(r"[^\w\s]")


@cache
def _agency_keys() -> tuple[tuple[AgencyRecord, tuple[str, ...]], ...]:
    return tuple(
        (a, (normalize_fa(a.code), normalize_fa(a.name_fa), normalize_fa(a.name_en)))
        for a in reference.agencies()
    )


def agency_by_code(code: str) -> AgencyRecord | None:
    return reference.agencies_by_code().get(code)


def match_agencies(text: str) -> list[AgencyRecord]:
    """An exact name or code wins; otherwise every agency whose name contains what was typed
    (three letters at least, so "و" does not match them all)."""
    key = normalize_fa(text)
    if not key:
        return []
    exact = [agency for agency, keys in _agency_keys() if key in keys]
    if exact:
        return exact[:1]
    if len(key) < 3:
        return []
    return [agency for agency, keys in _agency_keys() if any(key in k for k in keys[1:])]


def common_agencies(counts: dict[str, int]) -> list[AgencyRecord]:
    """The agencies with the most reports first, then the usual ones, MAX_CHOICES in all."""
    ranked = sorted(counts, key=lambda code: (-counts[code], code))
    chosen: list[AgencyRecord] = []
    for code in (*ranked, *COMMON_AGENCY_CODES):
        agency = agency_by_code(code)
        if agency is not None and agency not in chosen:
            chosen.append(agency)
        if len(chosen) == MAX_CHOICES:
            break
    return chosen


def find_province(text: str) -> Province | None:
    found = reference.find_province(text)
    if found is not None:
        return found
    key = normalize_fa(text)
    for prefix in ("استان ", "province of "):
        if key.startswith(prefix):
            return reference.find_province(key[len(prefix) :])
    return None


def find_county(province_code: str, text: str) -> County | None:
    found = reference.find_county(province_code, text)
    if found is None and normalize_fa(text).startswith("شهرستان "):
        found = reference.find_county(province_code, normalize_fa(text)[len("شهرستان ") :])
    return found


def province_by_code(code: str) -> Province | None:
    return reference.provinces_by_code().get(code)


def county_by_code(code: str) -> County | None:
    return reference.counties_by_code().get(code)


def county_in_text(province_code: str, text: str) -> County | None:
    """A county of the province named in a free-text address, when exactly one is (the longest
    name wins, so "اسلام‌شهر" is not read as a shorter name inside it)."""
    words = f" {_PUNCTUATION.sub(' ', normalize_fa(text))} "
    found = [
        county
        for county in reference.counties()
        if county.province_code == province_code and f" {normalize_fa(county.name_fa)} " in words
    ]
    if not found:
        return None
    found.sort(key=lambda c: -len(c.name_fa))
    return found[0]
