"""Prometheus metrics of every process, summed across processes, on a port of their own.

A pod runs several processes (gunicorn's workers, Celery's pool), each with its own counters: a
scrape of one of them would show one random worker. In `prometheus_client`'s multiprocess mode
each process writes its samples to files in PROMETHEUS_MULTIPROC_DIR and one server (the gunicorn
master, the Celery worker's main process) sums them. That server listens on GOVCLOUD_METRICS_PORT,
a port the ingress does not route (it sends only the `http` port), so metrics stay in the cluster.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def enable_multiprocess() -> Path:
    """Multiprocess mode for this process and the ones it forks: PROMETHEUS_MULTIPROC_DIR (a fresh
    temporary folder when unset), emptied of a previous run's files. Call before any metric exists."""
    from prometheus_client import values

    folder = Path(os.environ.get(MULTIPROC_ENV) or tempfile.mkdtemp(prefix="govcloud-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(folder)
    # The value class is picked when prometheus_client is imported; pick again now that the folder
    # is known (metrics made from here on write to it).
    values.ValueClass = values.get_value_class()
    return folder


def serve_metrics(port: int, host: str = "0.0.0.0") -> None:  # noqa: S104 - the pod's metrics port
    """Serve the sum over every process writing to PROMETHEUS_MULTIPROC_DIR, plus this process's own
    process metrics (CPU, memory, open files), on `port` in a background thread."""
    from prometheus_client import CollectorRegistry, ProcessCollector, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    ProcessCollector(registry=registry)
    start_http_server(port, addr=host, registry=registry)


def process_exited(pid: int) -> None:
    """Forget a dead worker's live gauges (its counters keep counting in the sum)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
