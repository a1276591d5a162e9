"""Reads of probe results: availability over a window, latency, recent failures. Agency-scoped where
an actor reads; the compliance metrics read the evidence for many agencies in one grouped query."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from catalog.models import EService
from core.actors import Actor
from core.db import where_in_if_few
from onboarding.probes.models import ProbeDaily, ProbeResult


@dataclasses.dataclass(frozen=True)
class Availability:
    probes: int
    up: int

    @property
    def ratio(self) -> float | None:
        return self.up / self.probes if self.probes else None


def up_count():
    """The number of probes that found the service up, as a SQL aggregate."""
    return func.sum(case((ProbeResult.up.is_(True), 1), else_=0))


def evidenced_services(since: dt.datetime, until: dt.datetime, min_availability: float) -> Select:
    """Ids of services probed in [since, until) and up in at least `min_availability` of the probes:
    a subquery the compliance metrics put beside the declared condition."""
    return (
        select(ProbeResult.service_id)
        .where(ProbeResult.at >= since, ProbeResult.at < until)
        .group_by(ProbeResult.service_id)
        .having(up_count() >= min_availability * func.count())
    )


def availability_by_service(
    session: Session, service_ids: Collection[int], since: dt.datetime, until: dt.datetime
) -> dict[int, Availability]:
    """Raw probes of each service in [since, until); services without a probe are absent."""
    query = (
        select(ProbeResult.service_id, func.count(), up_count())
        .where(ProbeResult.at >= since, ProbeResult.at < until)
        .group_by(ProbeResult.service_id)
    )
    wanted = set(service_ids)
    return {
        service_id: Availability(int(count), int(up or 0))
        for service_id, count, up in session.execute(where_in_if_few(query, ProbeResult.service_id, wanted))
        if service_id in wanted
    }


def daily_availability_by_service(
    session: Session, service_ids: Collection[int], since: dt.date, until: dt.date
) -> dict[int, Availability]:
    """The folded days in [since, until) (beyond the raw rows' retention: the 90-day figure)."""
    query = (
        select(ProbeDaily.service_id, func.sum(ProbeDaily.probes), func.sum(ProbeDaily.up))
        .where(ProbeDaily.day >= since, ProbeDaily.day < until)
        .group_by(ProbeDaily.service_id)
    )
    wanted = set(service_ids)
    return {
        service_id: Availability(int(probes or 0), int(up or 0))
        for service_id, probes, up in session.execute(where_in_if_few(query, ProbeDaily.service_id, wanted))
        if service_id in wanted
    }


def last_results(session: Session, service_ids: Collection[int]) -> dict[int, ProbeResult]:
    """Each service's latest probe."""
    if not service_ids:
        return {}
    latest = (
        select(ProbeResult.service_id, func.max(ProbeResult.id).label("id"))
        .where(ProbeResult.service_id.in_(list(service_ids)))
        .group_by(ProbeResult.service_id)
        .subquery()
    )
    rows = session.scalars(select(ProbeResult).join(latest, ProbeResult.id == latest.c.id))
    return {row.service_id: row for row in rows}


def recent_failures(session: Session, actor: Actor, agency_id: int, limit: int = 20) -> list[ProbeResult]:
    """The agency's latest failed probes, newest first (none of another agency's)."""
    if not actor.can_read_agency(agency_id):
        return []
    return list(
        session.scalars(
            select(ProbeResult)
            .where(ProbeResult.agency_id == agency_id, ProbeResult.up.is_(False))
            .order_by(ProbeResult.at.desc(), ProbeResult.id.desc())
            .limit(limit)
        )
    )


@dataclasses.dataclass(frozen=True)
class ServiceEvidence:
    service: EService
    week: Availability | None
    last: ProbeResult | None


def agency_evidence(
    session: Session, actor: Actor, agency_id: int, now: dt.datetime, window_days: int = 7
) -> list[ServiceEvidence]:
    """Each of the agency's services with its availability over the window and its last probe."""
    if not actor.can_read_agency(agency_id):
        return []
    services = session.scalars(
        select(EService).where(EService.agency_id == agency_id).order_by(EService.kind, EService.code)
    ).all()
    ids = [s.id for s in services]
    week = availability_by_service(session, ids, now - dt.timedelta(days=window_days), now)
    last = last_results(session, ids)
    return [ServiceEvidence(s, week.get(s.id), last.get(s.id)) for s in services]
