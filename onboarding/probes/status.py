"""The public status pages' figures: each agency's probed services over 7 and 90 days, from the daily
folds (finished days) plus today's raw probes, as status pages show them. Public by design: which
government services answer is what citizens need to know; nothing here names an address or an error.

A request reads one page of agencies (the national page) or one agency's services: never the whole
table."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.models import Agency, EService, ServiceStatus
from onboarding.probes.models import ProbeDaily, ProbeResult
from onboarding.probes.queries import Availability, up_count

PER_PAGE = 50
STRIP_DAYS = 90


def _add(a: Availability | None, b: Availability | None) -> Availability | None:
    if a is None:
        return b
    if b is None:
        return a
    return Availability(a.probes + b.probes, a.up + b.up)


@dataclasses.dataclass(frozen=True)
class AgencyStatus:
    agency: Agency
    services: int
    week: Availability | None
    quarter: Availability | None


@dataclasses.dataclass(frozen=True)
class ServiceStatusRow:
    service: EService
    week: Availability | None
    quarter: Availability | None
    days: list[tuple[dt.date, Availability | None]]  # oldest first, STRIP_DAYS of them


def _probed():
    return (EService.status == ServiceStatus.active) & (EService.public_url != "")


def _today_start(now: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(now.date(), dt.time(), tzinfo=dt.UTC)


def national(session: Session, now: dt.datetime, page: int = 1) -> tuple[list[AgencyStatus], int]:
    """One page of agencies that have probed services (by code), with their figures; and the pages."""
    probed_agencies = select(EService.agency_id).where(_probed()).distinct().subquery()
    total = session.scalar(select(func.count()).select_from(probed_agencies)) or 0
    agencies = list(
        session.scalars(
            select(Agency)
            .where(Agency.id.in_(select(probed_agencies.c.agency_id)))
            .order_by(Agency.code)
            .offset((max(page, 1) - 1) * PER_PAGE)
            .limit(PER_PAGE)
        )
    )
    ids = [a.id for a in agencies]
    counts: dict[int, int] = {
        agency_id: int(count)
        for agency_id, count in session.execute(
            select(EService.agency_id, func.count())
            .where(_probed(), EService.agency_id.in_(ids))
            .group_by(EService.agency_id)
        )
    }
    today = now.date()
    start = _today_start(now)

    def folded(days: int) -> dict[int, Availability]:
        rows = session.execute(
            select(ProbeDaily.agency_id, func.sum(ProbeDaily.probes), func.sum(ProbeDaily.up))
            .where(
                ProbeDaily.agency_id.in_(ids),
                ProbeDaily.day >= today - dt.timedelta(days=days - 1),
                ProbeDaily.day < today,
            )
            .group_by(ProbeDaily.agency_id)
        )
        return {a: Availability(int(p or 0), int(u or 0)) for a, p, u in rows}

    raw = (
        {
            a: Availability(int(p), int(u or 0))
            for a, p, u in session.execute(
                select(ProbeResult.agency_id, func.count(), up_count())
                .where(ProbeResult.agency_id.in_(ids), ProbeResult.at >= start)
                .group_by(ProbeResult.agency_id)
            )
        }
        if ids
        else {}
    )
    week, quarter = (folded(7), folded(STRIP_DAYS)) if ids else ({}, {})
    pages = max(1, -(-total // PER_PAGE))
    return [
        AgencyStatus(
            a,
            counts.get(a.id, 0),
            _add(week.get(a.id), raw.get(a.id)),
            _add(quarter.get(a.id), raw.get(a.id)),
        )
        for a in agencies
    ], pages


def agency(session: Session, agency_id: int, now: dt.datetime) -> list[ServiceStatusRow]:
    """The agency's probed services with 7- and 90-day figures and a strip of 90 days."""
    services = list(
        session.scalars(
            select(EService).where(_probed(), EService.agency_id == agency_id).order_by(EService.code)
        )
    )
    ids = [s.id for s in services]
    if not ids:
        return []
    today = now.date()
    first = today - dt.timedelta(days=STRIP_DAYS - 1)
    per_day: dict[int, dict[dt.date, Availability]] = defaultdict(dict)
    for row in session.scalars(
        select(ProbeDaily).where(
            ProbeDaily.service_id.in_(ids), ProbeDaily.day >= first, ProbeDaily.day < today
        )
    ):
        per_day[row.service_id][row.day] = Availability(row.probes, row.up)
    for service_id, probes, up in session.execute(
        select(ProbeResult.service_id, func.count(), up_count())
        .where(ProbeResult.service_id.in_(ids), ProbeResult.at >= _today_start(now))
        .group_by(ProbeResult.service_id)
    ):
        per_day[service_id][today] = Availability(int(probes), int(up or 0))
    rows = []
    for service in services:
        days = [
            (first + dt.timedelta(days=n), per_day[service.id].get(first + dt.timedelta(days=n)))
            for n in range(STRIP_DAYS)
        ]
        week = quarter = None
        for day, figure in days:
            quarter = _add(quarter, figure)
            if day > today - dt.timedelta(days=7):
                week = _add(week, figure)
        rows.append(ServiceStatusRow(service, week, quarter, days))
    return rows


def public_agency(session: Session, code: str) -> Agency | None:
    """An active agency by its code (the status pages' address), or None."""
    return session.scalar(select(Agency).where(Agency.code == code, Agency.active.is_(True)))
