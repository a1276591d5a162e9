"""Is a migrated workload answering? One real HTTP request to its address, through the prober.

A workload's address comes from `WORKLOAD_URL_TEMPLATE` (its Ingress by default in a deployment:
`https://{host}{path}`; `{host}` is the Ingress host, `{name}` the workload, `{namespace}` the tenant
space, `{path}` the entry component's readiness path or `/`). The request goes through the same
prober as the services' probes, so the allow-list, TLS verification and timeouts apply as well.
The run's smoke check makes the first request; beat checks every migrated workload after that, and
the "joined the cloud" milestone, when it requires evidence, counts an agency only while one of its
workloads answers (`answering_agencies`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Collection

from sqlalchemy import Select, case, delete, func, select
from sqlalchemy.orm import Session

from core.actors import Actor
from core.dates import utcnow
from core.db import where_in_if_few
from core.errors import NotAuthorized
from onboarding.inventory.models import Workload, WorkloadStatus
from onboarding.inventory.schemas import components_of
from onboarding.landing.plans import ingress_host
from onboarding.probes import policies
from onboarding.probes.models import WorkloadCheck
from onboarding.probes.prober import ProbeConfig, ProbeSpec, Resolver, probe, system_resolver
from onboarding.runs.models import Run, RunStatus, TenantSpace


@dataclasses.dataclass(frozen=True)
class WorkloadProber:
    url_template: str
    config: ProbeConfig
    resolver: Resolver = system_resolver

    def url_for(self, workload: Workload, namespace: str) -> str | None:
        """The workload's address, or None when nothing of it is exposed over HTTP (a database)."""
        entry = next(
            (c for c in components_of(workload.components) if c.containerized and c.ports and c.expose), None
        )
        if entry is None:
            return None
        return self.url_template.format(
            host=ingress_host(workload.name, namespace),
            name=workload.name,
            namespace=namespace,
            path=entry.readiness_path or "/",
        )

    def check(self, session: Session, workload: Workload, namespace: str) -> WorkloadCheck | None:
        """One request, kept as a row (added, not committed); None when the workload has no address."""
        url = self.url_for(workload, namespace)
        if url is None:
            return None
        at = utcnow()
        outcome = probe(ProbeSpec(url=url), self.config, self.resolver)
        row = WorkloadCheck(
            workload_id=workload.id,
            agency_id=workload.agency_id,
            at=at,
            url=url[:500],
            up=outcome.up,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            error_class=outcome.error_class,
            error_detail=outcome.error_detail,
        )
        session.add(row)
        return row


def prober_from_settings(settings: object) -> WorkloadProber | None:
    """None when no workload address is configured (the embedded demo: no cluster, no Ingress)."""
    from onboarding.probes.services import config_from_settings

    template = getattr(settings, "workload_url_template", "")
    return WorkloadProber(template, config_from_settings(settings)) if template else None


def check_migrated_workloads(session: Session, actor: Actor, prober: WorkloadProber) -> dict[str, int]:
    """Beat: one request to every migrated workload with an address; commit once."""
    if not policies.can_schedule_probes(actor):
        raise NotAuthorized("only the platform checks workloads")
    rows = session.execute(
        select(Workload, Run.tenant_id)
        .join(Run, Run.workload_id == Workload.id)
        .where(Workload.status == WorkloadStatus.migrated, Run.status == RunStatus.succeeded)
        .order_by(Workload.id, Run.id.desc())
    ).all()
    seen: set[int] = set()
    checked = up = 0
    namespaces = dict(session.execute(select(TenantSpace.id, TenantSpace.namespace)).all())
    for workload, tenant_id in rows:
        if workload.id in seen:
            continue
        seen.add(workload.id)
        row = prober.check(session, workload, namespaces[tenant_id])
        if row is not None:
            checked += 1
            up += 1 if row.up else 0
    session.commit()
    return {"checked": checked, "up": up}


def expire_checks(session: Session, before: dt.datetime) -> int:
    """Delete checks older than the probes' retention (the caller commits)."""
    result = session.execute(delete(WorkloadCheck).where(WorkloadCheck.at < before))
    return int(getattr(result, "rowcount", 0) or 0)


def _answering(since: dt.datetime, until: dt.datetime, min_availability: float) -> Select:
    up = func.sum(case((WorkloadCheck.up.is_(True), 1), else_=0))
    return (
        select(WorkloadCheck.workload_id)
        .where(WorkloadCheck.at >= since, WorkloadCheck.at < until)
        .group_by(WorkloadCheck.workload_id)
        .having(up >= min_availability * func.count())
    )


def answering_agencies(
    session: Session,
    agency_ids: Collection[int],
    since: dt.datetime,
    until: dt.datetime,
    min_availability: float,
) -> set[int]:
    """Agencies with a migrated workload checked in [since, until) and up in at least
    `min_availability` of those checks, whose last check found it up: joined, by evidence."""
    latest = (
        select(WorkloadCheck.workload_id, func.max(WorkloadCheck.at).label("at"))
        .where(WorkloadCheck.at < until)
        .group_by(WorkloadCheck.workload_id)
        .subquery()
    )
    last_up = (
        select(WorkloadCheck.workload_id)
        .join(latest, (latest.c.workload_id == WorkloadCheck.workload_id) & (latest.c.at == WorkloadCheck.at))
        .where(WorkloadCheck.up.is_(True))
    )
    query = (
        select(Workload.agency_id)
        .where(
            Workload.status == WorkloadStatus.migrated,
            Workload.id.in_(_answering(since, until, min_availability)),
            Workload.id.in_(last_up),
        )
        .distinct()
    )
    wanted = set(agency_ids)
    return set(session.scalars(where_in_if_few(query, Workload.agency_id, wanted))) & wanted


def latest_checks(session: Session, agency_id: int, limit: int = 10) -> list[WorkloadCheck]:
    """The agency's latest workload checks, newest first (its own page shows why it is not joined)."""
    return list(
        session.scalars(
            select(WorkloadCheck)
            .where(WorkloadCheck.agency_id == agency_id)
            .order_by(WorkloadCheck.at.desc(), WorkloadCheck.id.desc())
            .limit(limit)
        )
    )
