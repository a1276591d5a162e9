"""One Celery configuration for both deployables (the platform's workers and the feedback service).

JSON only, late acks with redelivery when a worker dies, time limits, and the embedded filesystem
broker when no broker URL is configured, so `govcloud run` needs no server.

Late acks with redelivery on a lost worker mean a task that kills its worker (out of memory on a
national import) would come back forever and take a worker down each time. So every delivery is
counted in Redis before the task runs (per task id and retry, so `self.retry` starts a new count),
and a delivery past MAX_DELIVERIES is not run: it goes to the dead-letter list, which operators read
with `govcloud dead-letters` / `govcloud feedback dead-letters`. The embedded filesystem broker
(one process, no Redis) has no cap.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import redis as redis_lib
from celery import Celery, Task, current_app, current_task, signals
from celery.beat import PersistentScheduler

from core import logs, metrics
from core.settings import Settings

log = logging.getLogger(__name__)

MAX_DELIVERIES = 3  # the first delivery and two redeliveries after a lost worker
DELIVERIES_TTL = 7 * 24 * 3600
DEAD_LETTERS_KEPT = 10_000


def _store(app: Celery) -> redis_lib.Redis | None:
    """The broker's Redis (one client per process), or None for the embedded broker."""
    if not str(app.conf.broker_url or "").startswith(("redis://", "rediss://", "unix://")):
        return None
    client = getattr(app, "_govcloud_store", None)
    if client is None:
        client = redis_lib.Redis.from_url(app.conf.broker_url, socket_connect_timeout=2, socket_timeout=2)
        app._govcloud_store = client
    return client


def dead_letter_key(app: Celery) -> str:
    return f"{app.conf.govcloud_task_prefix}dead-letters"


class CappedTask(Task):
    """Every task of our apps: counts its deliveries and dead-letters one delivered too often."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = self.request
        if request.called_directly or request.is_eager or not request.id:
            return super().__call__(*args, **kwargs)
        store = _store(self.app)
        if store is not None:
            prefix = self.app.conf.govcloud_task_prefix
            key = f"{prefix}task-deliveries:{request.id}:{request.retries or 0}"
            try:
                with store.pipeline() as pipe:
                    pipe.incr(key)
                    pipe.expire(key, DELIVERIES_TTL)
                    deliveries = int(pipe.execute()[0])
            except redis_lib.RedisError:
                deliveries = 0  # uncounted: run it rather than stall work on the counter
            if deliveries > MAX_DELIVERIES:
                self._dead_letter(store, deliveries, args, kwargs)
                return None
        return super().__call__(*args, **kwargs)

    def _dead_letter(self, store: redis_lib.Redis, deliveries: int, args: Any, kwargs: Any) -> None:
        request = self.request
        entry = {
            "id": request.id,
            "task": self.name,
            "args": list(args),
            "kwargs": kwargs,
            "retries": request.retries or 0,
            "deliveries": deliveries,
            "queue": (request.delivery_info or {}).get("routing_key") or "",
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        log.error(
            "task %s[%s] delivered %s times (its worker died each time): moved to the dead letters",
            self.name,
            request.id,
            deliveries - 1,
        )
        key = dead_letter_key(self.app)
        with store.pipeline() as pipe:
            pipe.lpush(key, json.dumps(entry, ensure_ascii=False))
            pipe.ltrim(key, 0, DEAD_LETTERS_KEPT - 1)
            pipe.execute()


def describe_dead_letter(entry: dict[str, Any]) -> str:
    """One line per dead letter for an operator: when, what, which id, how often its worker died."""
    arguments = json.dumps({"args": entry["args"], "kwargs": entry["kwargs"]}, ensure_ascii=False)
    return (
        f"{entry['at']}  {entry['task']}  {entry['id']}  retry {entry['retries']}  "
        f"worker lost {entry['deliveries'] - 1} times  queue {entry['queue'] or '-'}  {arguments}"
    )


def dead_letters(app: Celery, limit: int = 100) -> list[dict[str, Any]]:
    """The newest dead letters first: tasks whose worker died on every delivery, not run again."""
    store = _store(app)
    if store is None:
        return []
    return [json.loads(raw) for raw in store.lrange(dead_letter_key(app), 0, limit - 1)]


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
    app = Celery(name, set_as_current=False, task_cls=CappedTask)
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
        # Beat wakes at least this often, so its liveness file (`LivenessScheduler`) stays fresh
        # whatever the schedule holds.
        "beat_max_loop_interval": 30,
        "beat_scheduler": "core.taskqueue:LivenessScheduler",
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
    app.conf.govcloud_task_prefix = prefix
    app.conf.task_routes = {pattern: {"queue": prefix + queue} for pattern, queue in (routes or {}).items()}
    app.conf.beat_schedule = {
        entry_name: {**entry, "options": {**entry["options"], "queue": prefix + entry["options"]["queue"]}}
        for entry_name, entry in (schedule or {}).items()
    }
    app.conf.govcloud_settings = settings
    return app


BEAT_ALIVE_SUFFIX = ".alive"


class LivenessScheduler(PersistentScheduler):
    """Beat's scheduler, touching `<schedule file>.alive` on every wake-up. A beat whose loop hangs
    (a broker call that never returns) keeps its process and its metrics port alive but sends
    nothing; the charts' liveness probe reads this file's age instead, so such a beat is restarted."""

    def tick(self, *args: Any, **kwargs: Any) -> float:
        Path(self.schedule_filename + BEAT_ALIVE_SUFFIX).touch()
        return float(super().tick(*args, **kwargs))


def task_settings() -> Settings:
    """The settings of the app running this task. Taken from the task itself, not the process's
    current app: a process may host more than one app (the feedback service's, in tests)."""
    app = current_task.app if current_task else current_app
    settings: Settings = app.conf.govcloud_settings
    return settings


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


def run_worker(
    app: Celery, settings: Settings, queues: str, concurrency: int, beat: bool, name: str = ""
) -> None:
    """Run a worker of `app` in this process, as both deployables' `worker` commands do: on the
    comma-separated `queues` (every queue of the app when empty), with beat inside it when asked
    (the embedded mode), its task metrics served on the metrics port."""
    names = [settings.task_queue_prefix + q for q in queues.split(",") if q] or app.conf.task_queues_names
    argv = [
        "worker",
        f"--concurrency={concurrency}",
        f"--loglevel={settings.log_level.upper()}",
        "-Q",
        ",".join(names),
        "--without-mingle",
        "--without-gossip",
    ]
    if name:
        argv += ["-n", name]
    if settings.embedded_broker:
        argv.append("--pool=threads")  # the filesystem transport is local to this machine anyway
    if beat:
        argv.append("--beat")
    serve_worker_metrics(settings.metrics_port)
    app.worker_main(argv)


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
