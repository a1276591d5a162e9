"""Probe use cases: find what is due, probe one service, ask for a probe now, fold and expire old rows.

The HTTP work is `prober.probe` (no database); these functions load, authorise, write one row and
commit once, so a task is a thin caller and a test can call them with a session.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, cast
from urllib.parse import urlsplit

from sqlalchemy import CursorResult, delete, func, or_, select
from sqlalchemy.orm import Session

from catalog.models import EService, ServiceStatus
from core.actors import Actor
from core.dates import utcnow
from core.db import dialect_insert, is_valid_id
from core.errors import Conflict, NotAuthorized, NotFound, ValidationError
from onboarding.probes import policies
from onboarding.probes.models import DEFAULT_INTERVAL_SECONDS, ProbeDaily, ProbeResult, ProbeTarget
from onboarding.probes.prober import (
    ProbeConfig,
    ProbeOutcome,
    ProbeSpec,
    Resolver,
    parse_networks,
    probe,
    system_resolver,
)

JITTER = 0.1  # each next probe comes up to 10% of the interval late, so targets spread out
DUE_BATCH = 500


def config_from_settings(settings: Any) -> ProbeConfig:
    return ProbeConfig(
        connect_timeout=settings.probe_connect_timeout,
        total_timeout=settings.probe_total_timeout,
        allowed_networks=parse_networks(settings.probe_allowed_networks),
        ca_bundle=settings.probe_ca_bundle,
    )


def _probed_services():
    """Services that are probed: active, with a URL (an e-service's address, an inquiry's endpoint)."""
    return select(EService.id).where(EService.status == ServiceStatus.active, EService.public_url != "")


def _next_due(now: dt.datetime, interval: int, rng: random.Random) -> dt.datetime:
    return now + dt.timedelta(seconds=interval * (1 + rng.uniform(0, JITTER)))


def claim_due_probes(
    session: Session,
    actor: Actor,
    now: dt.datetime | None = None,
    default_interval: int = 300,
    limit: int = DUE_BATCH,
    rng: random.Random | None = None,
) -> list[int]:
    """Ids of services due for a probe, each moved to its next time (so a second beat tick does not
    send it again). A service probed for the first time gets a target row and comes due at once."""
    if not policies.can_schedule_probes(actor):
        raise NotAuthorized("only the platform schedules probes")
    now = now or utcnow()
    rng = rng or random.Random()
    missing = session.scalars(
        _probed_services().where(~EService.id.in_(select(ProbeTarget.service_id))).limit(limit)
    ).all()
    for service_id in missing:
        session.add(
            ProbeTarget(
                service_id=service_id,
                interval_seconds=default_interval,
                expect_status_class=2,
                expect_text="",
                next_due_at=now,
            )
        )
    session.flush()
    targets = session.scalars(
        select(ProbeTarget)
        .where(
            ProbeTarget.service_id.in_(_probed_services()),
            or_(ProbeTarget.next_due_at.is_(None), ProbeTarget.next_due_at <= now),
        )
        .order_by(ProbeTarget.next_due_at, ProbeTarget.service_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for target in targets:
        target.next_due_at = _next_due(now, target.interval_seconds, rng)
    ids = [t.service_id for t in targets]
    session.commit()
    return ids


class HostBusy(Conflict):
    """As many probes of this host as allowed are under way; try again shortly."""

    code = "probe_host_busy"


HostSlot = Callable[[str], AbstractContextManager[bool]]


@contextmanager
def _no_bound(_host: str) -> Iterator[bool]:
    yield True


def probe_service(
    session: Session,
    actor: Actor,
    service_id: int,
    config: ProbeConfig,
    resolver: Resolver = system_resolver,
    host_slot: HostSlot = _no_bound,
) -> ProbeResult | None:
    """Probe one service now and keep the result; None when it is no longer probed (retired, no URL).

    `host_slot(host)` bounds the probes of one host at once (the worker's counts across workers);
    when it says no, HostBusy is raised and nothing is written."""
    if not policies.can_schedule_probes(actor):
        raise NotAuthorized("only the platform runs probes")
    service = session.get(EService, service_id) if is_valid_id(service_id) else None
    if service is None or service.status != ServiceStatus.active or not service.public_url:
        return None
    target = session.get(ProbeTarget, service_id)
    spec = ProbeSpec(
        url=service.public_url,
        expect_status_class=target.expect_status_class if target else 2,
        expect_text=target.expect_text if target else "",
        expect_openapi=target.expect_openapi if target else False,
    )
    host = (urlsplit(service.public_url).hostname or "").lower()
    with host_slot(host) as allowed:
        if not allowed:
            raise HostBusy("too many probes of this host under way", host=host)
        at = utcnow()
        outcome = probe(spec, config, resolver)
    row = _result_row(service, at, outcome)
    session.add(row)
    session.commit()
    return row


def _result_row(service: EService, at: dt.datetime, outcome: ProbeOutcome) -> ProbeResult:
    return ProbeResult(
        service_id=service.id,
        agency_id=service.agency_id,
        at=at,
        up=outcome.up,
        status_code=outcome.status_code,
        latency_ms=outcome.latency_ms,
        error_class=outcome.error_class,
        error_detail=outcome.error_detail,
        address=outcome.address,
    )


def request_probe_now(session: Session, actor: Actor, service_id: int) -> EService:
    """An agency asks for its service to be probed now (the caller sends the task after this returns).
    Another agency's service is not found, as in the catalog; overseers may look but not ask."""
    service = session.get(EService, service_id) if is_valid_id(service_id) else None
    if service is None or not actor.can_read_agency(service.agency_id):
        raise NotFound("no such e-service", service_id=service_id)
    if not policies.can_request_probe(actor, service):
        raise NotAuthorized("not your agency's service", service_id=service_id)
    if service.status != ServiceStatus.active or not service.public_url:
        raise NotFound("this service is not probed", service_id=service_id)
    return service


def set_probe_target(
    session: Session,
    actor: Actor,
    service_id: int,
    *,
    interval_seconds: int = DEFAULT_INTERVAL_SECONDS,
    expect_status_class: int = 2,
    expect_text: str = "",
    expect_openapi: bool = False,
) -> ProbeTarget:
    """How the agency's service is probed: its interval and what counts as an answer; commit once."""
    service = session.get(EService, service_id) if is_valid_id(service_id) else None
    if service is None or not actor.can_read_agency(service.agency_id):
        raise NotFound("no such e-service", service_id=service_id)
    if not policies.can_request_probe(actor, service):
        raise NotAuthorized("not your agency's service", service_id=service_id)
    fields = _settings_errors(interval_seconds, expect_status_class, expect_text)
    if fields:
        raise ValidationError("invalid probe settings", fields=fields)
    target = session.get(ProbeTarget, service_id) or ProbeTarget(service_id=service_id, next_due_at=None)
    target.interval_seconds, target.expect_status_class = interval_seconds, expect_status_class
    target.expect_text, target.expect_openapi = expect_text, expect_openapi
    session.add(target)
    session.commit()
    return target


PROBE_KINDS = ("health", "openapi")  # a health URL answering the status class, or an OpenAPI document
SETTING_FIELDS = ("kind", "interval_seconds", "expect_status_class", "expect_text")


def _settings_errors(interval_seconds: int, expect_status_class: int, expect_text: str) -> dict[str, str]:
    fields = {}
    if not 30 <= interval_seconds <= 86_400:
        fields["interval_seconds"] = "between 30 and 86400 seconds"
    if expect_status_class not in (2, 3, 4, 5):
        fields["expect_status_class"] = "one of 2, 3, 4, 5"
    if len(expect_text) > 200:
        fields["expect_text"] = "at most 200 characters"
    return fields


def parse_probe_settings(data: Any, prefix: str = "probe_") -> dict[str, Any]:
    """A form's (or any mapping's) probe settings as `set_probe_target`'s keywords. Raises
    ValidationError naming each bad field as the form names it (`prefix` + setting)."""
    fields: dict[str, str] = {}
    kind = str(data.get(f"{prefix}kind") or "health").strip()
    if kind not in PROBE_KINDS:
        fields["kind"] = "one of health, openapi"
    numbers = {}
    for name, default in (("interval_seconds", DEFAULT_INTERVAL_SECONDS), ("expect_status_class", 2)):
        raw = str(data.get(f"{prefix}{name}") or "").strip()
        if not raw:
            numbers[name] = default
        elif raw.isascii() and raw.isdigit():
            numbers[name] = int(raw)
        else:
            fields[name] = "must be a whole number"
    text = str(data.get(f"{prefix}expect_text") or "").strip()
    fields.update(
        {
            k: v
            for k, v in _settings_errors(
                numbers.get("interval_seconds", DEFAULT_INTERVAL_SECONDS),
                numbers.get("expect_status_class", 2),
                text,
            ).items()
            if k not in fields
        }
    )
    if fields:
        raise ValidationError(
            "invalid probe settings", fields={f"{prefix}{name}": message for name, message in fields.items()}
        )
    return {**numbers, "expect_text": text, "expect_openapi": kind == "openapi"}


def probe_settings_of(session: Session, service_id: int) -> dict[str, Any]:
    """The service's probe settings as the form shows them (the defaults while it has no target)."""
    target = session.get(ProbeTarget, service_id)
    if target is None:
        return {
            "kind": "health",
            "interval_seconds": DEFAULT_INTERVAL_SECONDS,
            "expect_status_class": 2,
            "expect_text": "",
        }
    return {
        "kind": "openapi" if target.expect_openapi else "health",
        "interval_seconds": target.interval_seconds,
        "expect_status_class": target.expect_status_class,
        "expect_text": target.expect_text,
    }


def _percentile(sorted_values: list[int], fraction: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(fraction * (len(sorted_values) - 1))))
    return float(sorted_values[index])


def fold_and_expire(
    session: Session, actor: Actor, retention_days: int, now: dt.datetime | None = None
) -> dict[str, int]:
    """Fold every finished UTC day's probes into `probe_daily` (recomputed, so running twice changes
    nothing), then delete rows older than the retention. Days fold while their rows still exist."""
    if not policies.can_schedule_probes(actor):
        raise NotAuthorized("only the platform folds probes")
    now = now or utcnow()
    today_start = dt.datetime.combine(now.date(), dt.time(), tzinfo=dt.UTC)
    cutoff = today_start - dt.timedelta(days=retention_days)
    already = select(func.max(ProbeDaily.day))
    last_folded = session.scalar(already)
    since = (
        dt.datetime.combine(last_folded + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        if last_folded
        else cutoff - dt.timedelta(days=1)
    )
    since = min(since, today_start)
    latencies: dict[tuple[int, dt.date], list[int]] = defaultdict(list)
    counts: dict[tuple[int, dt.date], list[int]] = defaultdict(lambda: [0, 0, 0])  # agency, probes, up
    rows = session.execute(
        select(
            ProbeResult.service_id,
            ProbeResult.agency_id,
            ProbeResult.at,
            ProbeResult.up,
            ProbeResult.latency_ms,
        ).where(ProbeResult.at >= since, ProbeResult.at < today_start)
    )
    for service_id, agency_id, at, up, latency in rows:
        key = (service_id, at.date())
        entry = counts[key]
        entry[0], entry[1], entry[2] = agency_id, entry[1] + 1, entry[2] + (1 if up else 0)
        if up:
            latencies[key].append(latency)
    values = []
    for (service_id, day), (agency_id, probes, up_count) in counts.items():
        ordered = sorted(latencies[(service_id, day)])
        values.append(
            {
                "service_id": service_id,
                "day": day,
                "agency_id": agency_id,
                "probes": probes,
                "up": up_count,
                "latency_p50_ms": _percentile(ordered, 0.5),
                "latency_p95_ms": _percentile(ordered, 0.95),
            }
        )
    if values:
        insert = dialect_insert(session, ProbeDaily.__table__)
        statement = insert.on_conflict_do_update(
            index_elements=["service_id", "day"],
            set_={
                c: insert.excluded[c]
                for c in ("agency_id", "probes", "up", "latency_p50_ms", "latency_p95_ms")
            },
        )
        session.execute(statement, values)
    expired = session.execute(delete(ProbeResult).where(ProbeResult.at < cutoff))
    deleted = cast(CursorResult, expired).rowcount
    from onboarding.probes.workloads import expire_checks

    expire_checks(session, cutoff)
    session.commit()
    return {"days": len(values), "deleted": int(deleted or 0)}
