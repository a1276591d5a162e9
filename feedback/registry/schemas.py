"""The import file's shape: its columns (English or Persian headers) and the reasons a row is refused."""

from __future__ import annotations

import enum
import re

from core.text import normalize_fa

COLUMNS = (
    "employment_code",
    "national_code",
    "first_name",
    "last_name",
    "gender",
    "position",
    "unit",
    "agency_code",
    "province",
    "county",
)
OPTIONAL = frozenset({"gender"})
REQUIRED = tuple(c for c in COLUMNS if c not in OPTIONAL)
MAX_LENGTH = {
    "employment_code": 32,
    "first_name": 100,
    "last_name": 100,
    "position": 200,
    "unit": 200,
}

_ALIASES = {
    "employment_code": ("کد استخدامی", "شماره استخدامی", "employment code", "employee code"),
    "national_code": ("کد ملی", "شماره ملی", "national code", "national id"),
    "first_name": ("نام", "first name"),
    "last_name": ("نام خانوادگی", "last name", "surname"),
    "gender": ("جنسیت", "جنس", "sex"),
    "position": ("سمت", "عنوان پست", "پست سازمانی", "عنوان شغل", "position title", "title"),
    "unit": ("واحد", "واحد سازمانی", "unit name"),
    "agency_code": ("کد دستگاه", "دستگاه", "کد دستگاه اجرایی", "agency", "agency code"),
    "province": ("استان", "province name"),
    "county": ("شهرستان", "county name"),
}

GENDERS = {
    "male": "male",
    "m": "male",
    "مرد": "male",
    "آقا": "male",
    "female": "female",
    "f": "female",
    "زن": "female",
    "خانم": "female",
}


def header_key(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", normalize_fa(str(text or "").lstrip("\ufeff"))).strip()


HEADERS = {header_key(c): c for c in COLUMNS} | {
    header_key(alias): column for column, aliases in _ALIASES.items() for alias in aliases
}


class Reason(enum.StrEnum):
    missing_field = "missing_field"
    too_long = "too_long"
    bad_national_code = "bad_national_code"
    bad_gender = "bad_gender"
    unknown_agency = "unknown_agency"
    unknown_province = "unknown_province"
    unknown_county = "unknown_county"
    duplicate_in_file = "duplicate_in_file"
    outside_place = "outside_place"  # a place-scoped registry account's row for another place
