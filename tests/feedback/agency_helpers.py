"""A registry with an agency hierarchy for the agency dashboards: the Ministry of ICT (MICT) with its
organization ITO in two Tehran counties and its own staff in Markazi, and the Social Security
Organization (SSO, under the Ministry of Labour) beside them, each with answers in the rollups."""

from __future__ import annotations

from sqlalchemy import select

from feedback.registry.models import Employee
from tests.feedback.dashboard_helpers import add_responses
from tests.feedback.helpers import employee_row, seed_employees

ITO_UNIT = "اداره فناوری"
MICT_UNIT = "ستاد وزارت"
SSO_UNIT = "اداره مالی"

# employment code: (agency, unit, province name, county name, province, county, answers, count)
DESKS = {
    "E000001": ("ITO", ITO_UNIT, "تهران", "تهران", "IR-23", "2301", (5, 5, 5, 5), 6),
    "E000002": ("ITO", ITO_UNIT, "تهران", "دماوند", "IR-23", "2302", (3, 3, 3, 3), 5),
    "E000003": ("MICT", MICT_UNIT, "مرکزی", "اراک", "IR-00", "0001", (1, 1, 1, 1), 2),
    "E000004": ("SSO", SSO_UNIT, "تهران", "تهران", "IR-23", "2301", (2, 2, 2, 2), 5),
    "E000005": ("ITO", ITO_UNIT, "تهران", "تهران", "IR-23", "2301", None, 0),  # never answered
}


def seed_hierarchy(session, tmp_path) -> dict[str, int]:
    """The desks above through the real import, their answers today; employment code → employee id."""
    seed_employees(
        session,
        tmp_path,
        [
            employee_row(int(code[1:]), agency_code=agency, unit=unit, province=province, county=county)
            for code, (agency, unit, province, county, *_rest) in DESKS.items()
        ],
    )
    ids = {e.employment_code: e.id for e in session.scalars(select(Employee))}
    for code, (agency, unit, _p, _c, province, county, answers, count) in DESKS.items():
        if answers:
            add_responses(
                session, ids[code], answers, count, unit=unit, agency=agency, county=county, province=province
            )
    return ids
