"""The default program, from the budget law's table (docs/architecture.md): reference data,
seeded idempotently.

Seeding only adds what is missing: a platform admin's later edits to these rows are kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy.orm import Session

from onboarding.compliance import queries as q
from onboarding.compliance.models import Milestone, Program

DEFAULT_PROGRAM = {
    "code": "budget-1403-c7",
    "title_fa": "قانون بودجه ۱۴۰۳، بند ج تبصره ۷: دولت الکترونیک و ابر دولت",
    "title_en": "Budget law 1403, note 7 clause C: electronic government and the government cloud",
}
DEFAULT_MILESTONES = (
    {
        "code": "electronic-services",
        "title_fa": "ارائه‌ی الکترونیکی همه‌ی خدمات",
        "title_en": "All services delivered electronically",
        "metric": "electronic",
        "target_kind": "ratio",
        "target": 1.0,
        "deadline": dt.date(2024, 11, 20),  # end of Aban 1403
        "position": 1,
    },
    {
        "code": "inquiries-online",
        "title_fa": "برخط شدن همه‌ی استعلام‌ها",
        "title_en": "All inquiries online",
        "metric": "inquiries_online",
        "target_kind": "ratio",
        "target": 1.0,
        "deadline": dt.date(2024, 12, 20),  # end of Azar 1403
        "position": 2,
    },
    {
        "code": "smart-services",
        "title_fa": "هوشمند شدن ۲۰٪ خدمات",
        "title_en": "20% of services smart",
        "metric": "smart",
        "target_kind": "ratio",
        "target": 0.2,
        "deadline": dt.date(2025, 1, 19),  # end of Dey 1403
        "position": 3,
    },
    {
        "code": "join-cloud",
        "title_fa": "پیوستن به ابر دولت",
        "title_en": "Join the government cloud",
        "metric": "joined_cloud",
        "target_kind": "boolean",
        "target": 1.0,
        "deadline": dt.date(2025, 3, 21),  # 1 Farvardin 1404
        "position": 4,
    },
)


@dataclasses.dataclass
class SeedResult:
    created: int = 0
    unchanged: int = 0


def seed_default_program(session: Session) -> SeedResult:
    """Add the default program and any of its milestones that are missing; running twice adds nothing."""
    result = SeedResult()
    program = q.get_program_by_code(session, DEFAULT_PROGRAM["code"])
    if program is None:
        program = Program(**DEFAULT_PROGRAM, active=True)
        session.add(program)
        session.flush()
        result.created += 1
    else:
        result.unchanged += 1
    existing = {m.code for m in program.milestones}
    for spec in DEFAULT_MILESTONES:
        if spec["code"] in existing:
            result.unchanged += 1
            continue
        session.add(Milestone(program_id=program.id, scope_kinds=[], remind_days_before=30, **spec))
        result.created += 1
    session.commit()
    return result


DEMO_PROGRAM = {
    "code": "demo-1405",
    "title_fa": "برنامه‌ی نمونه ۱۴۰۵ (داده‌ی نمایشی)",
    "title_en": "Sample program 1405 (demo data)",
}


def seed_demo_program(session: Session, today: dt.date) -> SeedResult:
    """Demo only: a program whose deadlines are still ahead, so on track and at risk can be seen."""
    result = SeedResult()
    if q.get_program_by_code(session, DEMO_PROGRAM["code"]) is not None:
        result.unchanged += 1
        return result
    program = Program(**DEMO_PROGRAM, active=True)
    session.add(program)
    session.flush()
    for offset, spec in zip((60, 120, 180), DEFAULT_MILESTONES[:3], strict=True):
        session.add(
            Milestone(
                program_id=program.id,
                scope_kinds=[],
                remind_days_before=30,
                **{**spec, "deadline": today + dt.timedelta(days=offset)},
            )
        )
    session.commit()
    result.created += 1
    return result
