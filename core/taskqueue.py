"""One Celery configuration for both deployables (the platform's workers and the feedback service).

JSON only, late acks with redelivery when a worker dies, time limits, and the embedded filesystem
broker when no broker URL is configured, so `govcloud run` needs no server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from celery import Celery, current_app, current_task

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
