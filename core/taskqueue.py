"""One Celery configuration for both deployables (the platform's workers and the feedback service).

JSON only, late acks with redelivery when a worker dies, time limits, and the embedded filesystem
broker when no broker URL is configured, so `govcloud run` needs no server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from celery import Celery, signals

from core import logs, metrics
from core.settings import Settings


def make_celery(
    name: str,
    settings: Settings,
    include: Iterable[str],
    queues: Iterable[str],
    routes: Mapping[str, str] | None = None,
    schedule: Mapping[str, dict[str, Any]] | None = None,
) -> Celery:
    """An app of one deployable: `queues` (the default first), `routes` (task-name pattern to
    queue) and the beat `schedule` as its names module and schedule module declare them, unprefixed;
    every queue here gets the deployment's `task_queue_prefix`."""
    app = Celery(name, set_as_current=False)
    prefix = settings.task_queue_prefix
    queue_names = [prefix + q for q in queues]
    config: dict[str, object] = {
        "broker_url": settings.broker_url,
        "result_backend": settings.result_backend or None,
        "task_ignore_result": not settings.result_backend,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_time_limit": 15 * 60,
        "task_soft_time_limit": 14 * 60,
        "task_default_retry_delay": 5,
        "task_default_queue": queue_names[0],
        "worker_prefetch_multiplier": 1,
        # A pool process is replaced after this many tasks: memory a large import or print run
        # leaves behind goes back to the system.
        "worker_max_tasks_per_child": 50,
        "broker_connection_retry_on_startup": True,
        "timezone": "Asia/Tehran",
        "enable_utc": True,
        "include": list(include),
    }
    if settings.embedded_broker:
        folder = settings.var_path / "broker" / name
        (folder / "queue").mkdir(parents=True, exist_ok=True)
        (folder / "processed").mkdir(parents=True, exist_ok=True)
        (folder / "control").mkdir(parents=True, exist_ok=True)
        config["broker_transport_options"] = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    else:
        # Redis: a task not acknowledged within this window is redelivered (the reconciler covers the rest).
        config["broker_transport_options"] = {"visibility_timeout": 3600}
    app.conf.update(config)
    app.conf.task_queues_names = queue_names
    app.conf.task_routes = {pattern: {"queue": prefix + queue} for pattern, queue in (routes or {}).items()}
    app.conf.beat_schedule = {
        entry_name: {**entry, "options": {**entry["options"], "queue": prefix + entry["options"]["queue"]}}
        for entry_name, entry in (schedule or {}).items()
    }
    app.conf.govcloud_settings = settings
    return app


def ping_broker(app: Celery, timeout: float = 3.0) -> None:
    """Raise if the broker cannot be reached; used by /readyz."""
    with app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=timeout)


def _keep_our_logging(**_kwargs: object) -> None:
    logs.configure_logging()


def use_our_logging() -> None:
    """Celery workers and beat started in this process log through `core.logs` (JSON, request and
    task context) instead of configuring their own handlers: a receiver of `setup_logging` tells
    Celery the application has configured logging. For the `govcloud` command, not for tests that
    run a worker inside the test process."""
    signals.setup_logging.connect(_keep_our_logging, weak=False, dispatch_uid="govcloud-logging")


_task_metrics_lock = threading.Lock()
_task_metrics: dict[str, Any] = {}


def _task_started(task_id: str | None = None, **_kwargs: Any) -> None:
    _task_metrics["started"][task_id] = time.perf_counter()


def _task_finished(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_kw: Any
) -> None:
    name = getattr(task, "name", "unknown")
    started = _task_metrics["started"].pop(task_id, None)
    _task_metrics["total"].labels(name, (state or "unknown").lower()).inc()
    if started is not None:
        _task_metrics["seconds"].labels(name).observe(time.perf_counter() - started)


def serve_worker_metrics(port: int) -> None:
    """For a worker started by a command: every task counted by name and outcome (success, failure,
    retry) and timed, in every pool process, summed on `port` by this main process (multiprocess
    mode, as for gunicorn; see `core.metrics`). Nothing when `port` is 0."""
    if not port:
        return
    from prometheus_client import Counter, Histogram

    with _task_metrics_lock:
        if _task_metrics:
            return
        metrics.enable_multiprocess()
        _task_metrics["started"] = {}
        _task_metrics["total"] = Counter("celery_tasks_total", "Celery tasks run", ["task", "state"])
        _task_metrics["seconds"] = Histogram("celery_task_duration_seconds", "Celery task run time", ["task"])
        signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="govcloud-task-started")
        signals.task_postrun.connect(_task_finished, weak=False, dispatch_uid="govcloud-task-finished")
        metrics.serve_metrics(port)
