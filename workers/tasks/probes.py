"""Probes on the `probes` queue: beat finds the services due and sends one task each; each task
probes one service within the per-host bound; a daily task folds finished days and expires old rows."""

from __future__ import annotations

import functools
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

import redis
from celery import shared_task

from core import redisconn
from core.actors import SYSTEM
from core.db import task_session
from core.taskqueue import task_settings
from onboarding.probes import services
from onboarding.probes.services import HostBusy
from workers.celery_names import TaskNames

HOST_BUSY_RETRY_SECONDS = 5
# A bound on one worker's pace; the per-host bound below is what protects each agency's server.
RATE_LIMIT = "50/s"


@functools.cache
def _redis_client(url: str) -> redis.Redis:
    return redisconn.connect(url)


_local_slots: dict[str, int] = defaultdict(int)
_local_lock = threading.Lock()


@contextmanager
def host_slot(host: str) -> Iterator[bool]:
    """Whether a probe of `host` may start now: at most `probe_host_concurrency` at once, counted in
    Redis across every worker (in this process alone without Redis). Held until the probe ends; the
    key expires after the longest probe, so a worker that dies does not hold a slot for ever."""
    settings = task_settings()
    limit = settings.probe_host_concurrency
    if settings.redis_url:
        client = _redis_client(settings.redis_url)
        key = f"{settings.task_queue_prefix}probes:host:{host}"
        pipe = client.pipeline()
        pipe.incr(key)
        pipe.expire(key, int(settings.probe_total_timeout) + 60)
        count = pipe.execute()[0]
        try:
            yield count <= limit
        finally:
            client.decr(key)
        return
    with _local_lock:
        _local_slots[host] += 1
        count = _local_slots[host]
    try:
        yield count <= limit
    finally:
        with _local_lock:
            _local_slots[host] -= 1


@shared_task(name=TaskNames.SEND_DUE_PROBES)
def send_due_probes() -> int:
    """Beat: claim the services due (each moved to its next, jittered time) and send their probes."""
    settings = task_settings()
    with task_session(settings.database_url) as session:
        service_ids = services.claim_due_probes(
            session, SYSTEM, default_interval=settings.probe_interval_seconds
        )
    for service_id in service_ids:
        probe_service_task.delay(service_id)
    return len(service_ids)


@shared_task(name=TaskNames.PROBE_SERVICE, bind=True, max_retries=12, rate_limit=RATE_LIMIT)
def probe_service_task(self, service_id: int) -> dict[str, object] | None:
    settings = task_settings()
    with task_session(settings.database_url) as session:
        try:
            row = services.probe_service(
                session, SYSTEM, service_id, services.config_from_settings(settings), host_slot=host_slot
            )
        except HostBusy:
            raise self.retry(countdown=HOST_BUSY_RETRY_SECONDS) from None
        if row is None:
            return None
        return {
            "service_id": service_id,
            "up": row.up,
            "status_code": row.status_code,
            "error": row.error_class,
        }


@shared_task(name=TaskNames.CHECK_WORKLOADS)
def check_workloads() -> dict[str, int]:
    """Beat: one request to each migrated workload's address (none when WORKLOAD_URL_TEMPLATE is empty)."""
    from onboarding.probes.workloads import check_migrated_workloads, prober_from_settings

    settings = task_settings()
    prober = prober_from_settings(settings)
    if prober is None:
        return {"checked": 0, "up": 0}
    with task_session(settings.database_url) as session:
        return check_migrated_workloads(session, SYSTEM, prober)


@shared_task(name=TaskNames.FOLD_PROBES)
def fold_probes() -> dict[str, int]:
    settings = task_settings()
    with task_session(settings.database_url) as session:
        return services.fold_and_expire(session, SYSTEM, settings.probe_retention_days)


def enqueue_probe(service_id: int) -> None:
    """Called by the portal after an agency asked for a probe now."""
    probe_service_task.delay(service_id)
