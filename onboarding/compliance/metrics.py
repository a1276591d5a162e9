"""The metrics milestones are measured by, registered in one place.

A metric takes a session and the agency ids to measure and returns each agency's `Measure`: the
numerator, the denominator and the value (numerator / denominator), or value None when the agency
has nothing in the denominator ("no data", never 0% or 100%). Each is computed for many agencies in
one query where the data allows, so a national snapshot is a handful of queries, not one per agency.
Adding a metric is one decorated function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from catalog.models import ELECTRONIC_MATURITY, SMART_MATURITY, EService, ServiceKind, ServiceStatus
from core.db import where_in_if_few
from onboarding import queries as migration_queries
from onboarding.probes.queries import evidenced_services


class EvidenceRule(NamedTuple):
    """A service counts only if probed in the window before `until` and up in at least
    `min_availability` of those probes (a milestone's `evidence_*` columns)."""

    window_days: int
    min_availability: float
    until: dt.datetime

    @property
    def since(self) -> dt.datetime:
        return self.until - dt.timedelta(days=self.window_days)


class Measure(NamedTuple):
    numerator: int
    denominator: int
    value: float | None

    @classmethod
    def ratio(cls, numerator: int, denominator: int) -> Measure:
        return cls(numerator, denominator, numerator / denominator if denominator else None)

    @classmethod
    def yes_no(cls, answer: bool) -> Measure:
        return cls(1 if answer else 0, 1, 1.0 if answer else 0.0)


NO_DATA = Measure(0, 0, None)

MetricFunction = Callable[..., dict[int, Measure]]  # (session, agency ids[, evidence=EvidenceRule])


class Metric(NamedTuple):
    name: str
    label_en: str
    function: MetricFunction
    boolean: bool
    takes_evidence: bool = False  # counts services or workloads: a milestone may require them to answer


METRICS: dict[str, Metric] = {}


def metric(
    name: str, label_en: str, boolean: bool = False, takes_evidence: bool = False
) -> Callable[[MetricFunction], MetricFunction]:
    def register(function: MetricFunction) -> MetricFunction:
        METRICS[name] = Metric(name, label_en, function, boolean, takes_evidence)
        return function

    return register


def measure(
    session: Session, name: str, agency_ids: Iterable[int], evidence: EvidenceRule | None = None
) -> dict[int, Measure]:
    """Every requested agency gets a Measure (NO_DATA when it has nothing to count). With `evidence`
    (for metrics that count services) a service counts only while its probes show it answering."""
    ids = list(agency_ids)
    metric_ = METRICS[name]
    found = {}
    if ids:
        found = (
            metric_.function(session, ids, evidence=evidence)
            if evidence is not None and metric_.takes_evidence
            else metric_.function(session, ids)
        )
    return {agency_id: found.get(agency_id, NO_DATA) for agency_id in ids}


def _service_share(
    session: Session,
    agency_ids: list[int],
    kind: ServiceKind,
    counted: Any,
    evidence: EvidenceRule | None = None,
) -> dict[int, Measure]:
    """Share of an agency's active services of `kind` matching `counted`; drafts and retired do not count.
    With `evidence`, a service also needs its probes over the window to meet the availability."""
    if evidence is not None:
        answering = evidenced_services(evidence.since, evidence.until, evidence.min_availability)
        counted = and_(counted, EService.id.in_(answering))
    query = (
        select(EService.agency_id, func.sum(case((counted, 1), else_=0)), func.count())
        .where(EService.status == ServiceStatus.active, EService.kind == kind)
        .group_by(EService.agency_id)
    )
    wanted = set(agency_ids)
    return {
        agency_id: Measure.ratio(int(numerator or 0), int(denominator))
        for agency_id, numerator, denominator in session.execute(
            where_in_if_few(query, EService.agency_id, agency_ids)
        )
        if agency_id in wanted
    }


@metric("electronic", "share of services at maturity 3 or more (electronic)", takes_evidence=True)
def electronic(
    session: Session, agency_ids: list[int], evidence: EvidenceRule | None = None
) -> dict[int, Measure]:
    declared = EService.maturity >= ELECTRONIC_MATURITY
    return _service_share(session, agency_ids, ServiceKind.service, declared, evidence)


@metric("inquiries_online", "share of inquiries served online, machine to machine", takes_evidence=True)
def inquiries_online(
    session: Session, agency_ids: list[int], evidence: EvidenceRule | None = None
) -> dict[int, Measure]:
    return _service_share(session, agency_ids, ServiceKind.inquiry, EService.online_m2m.is_(True), evidence)


@metric("smart", "share of services at maturity 4 (smart)", takes_evidence=True)
def smart(
    session: Session, agency_ids: list[int], evidence: EvidenceRule | None = None
) -> dict[int, Measure]:
    declared = EService.maturity >= SMART_MATURITY
    return _service_share(session, agency_ids, ServiceKind.service, declared, evidence)


@metric("joined_cloud", "has a tenant space with a running workload", boolean=True, takes_evidence=True)
def joined_cloud(
    session: Session, agency_ids: list[int], evidence: EvidenceRule | None = None
) -> dict[int, Measure]:
    """Declared: a run completed into a tenant space. With evidence: also one of the agency's migrated
    workloads answered its checks over the window (at the availability) and answers still."""
    joined = migration_queries.agencies_with_running_tenant(session, agency_ids)
    if evidence is not None:
        from onboarding.probes.workloads import answering_agencies

        joined &= answering_agencies(
            session, joined, evidence.since, evidence.until, evidence.min_availability
        )
    return {a: Measure.yes_no(a in joined) for a in agency_ids}


@metric("workloads_migrated", "share of workloads migrated to the cloud")
def workloads_migrated(session: Session, agency_ids: list[int]) -> dict[int, Measure]:
    counts = migration_queries.workload_migration_counts_by_agency(session, agency_ids)
    return {a: Measure.ratio(*counts.get(a, (0, 0))) for a in agency_ids}


@metric("data_centers_retired", "share of legacy data centers retired")
def data_centers_retired(session: Session, agency_ids: list[int]) -> dict[int, Measure]:
    counts = migration_queries.data_center_retirement_counts_by_agency(session, agency_ids)
    return {a: Measure.ratio(*counts.get(a, (0, 0))) for a in agency_ids}


@metric("satisfaction", "citizen satisfaction score (the feedback tenant's, 0-100, as a share)")
def satisfaction(session: Session, agency_ids: list[int]) -> dict[int, Measure]:
    """The tenant's latest published score as a share (70 → 0.7), so a target of 0.7 reads "score >= 70".
    The numerator and denominator weigh by responses, so a ministry's group figure is the mean over
    its tree's responses. Agencies under the tenant's minimum of responses are not published: no data."""
    from core.dates import tehran_today
    from onboarding.satisfaction.services import latest_scores

    scores = latest_scores(session, agency_ids, tehran_today())
    return {
        agency_id: Measure(round(row.score / 100 * row.responses), row.responses, row.score / 100)
        for agency_id, row in scores.items()
    }
