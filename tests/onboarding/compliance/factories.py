"""Crafted catalogs for compliance tests: agencies and services with exactly the figures a test needs."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.orm import Session

from catalog.models import Agency, AgencyKind, Audience, EService, ServiceKind, ServiceStatus
from onboarding.compliance.models import Milestone, Program

_counter = itertools.count(1)


def agency(
    session: Session,
    kind: AgencyKind = AgencyKind.organization,
    parent: Agency | None = None,
    province: str | None = None,
    name: str = "",
) -> Agency:
    n = next(_counter)
    row = Agency(
        code=f"T{n:05d}",
        name_fa=name or f"دستگاه آزمون {n}",
        name_en=name or f"Test agency {n}",
        kind=kind,
        parent_id=parent.id if parent else None,
        province_code=province,
    )
    session.add(row)
    session.flush()
    return row


def services(
    session: Session,
    owner: Agency,
    maturities: list[int],
    kind: ServiceKind = ServiceKind.service,
    status: ServiceStatus = ServiceStatus.active,
    online: list[bool] | None = None,
) -> list[EService]:
    rows = []
    for index, maturity in enumerate(maturities):
        n = next(_counter)
        rows.append(
            EService(
                agency_id=owner.id,
                code=f"S{n:06d}",
                name_fa=f"خدمت {n}",
                name_en=f"Service {n}",
                kind=kind,
                audience=Audience.citizens,
                channels=["web"],
                maturity=maturity,
                online_m2m=bool(online[index]) if online else False,
                status=status,
            )
        )
    session.add_all(rows)
    session.flush()
    return rows


def program(session: Session, code: str = "") -> Program:
    row = Program(code=code or f"P{next(_counter)}", title_fa="برنامه‌ی آزمون", title_en="Test program")
    session.add(row)
    session.flush()
    return row


def milestone(
    session: Session,
    in_program: Program,
    metric: str,
    target: float,
    deadline: dt.date,
    scope_kinds: list[str] | None = None,
    remind_days_before: int = 30,
    target_kind: str = "ratio",
) -> Milestone:
    row = Milestone(
        program_id=in_program.id,
        code=f"M{next(_counter)}",
        title_fa=f"نقطه‌ی عطف {metric}",
        title_en=f"Milestone {metric}",
        metric=metric,
        target_kind=target_kind,
        target=target,
        deadline=deadline,
        scope_kinds=scope_kinds or [],
        remind_days_before=remind_days_before,
        position=0,
    )
    session.add(row)
    session.flush()
    return row
