"""The feedback service's own Celery app (own queue, own broker settings): it never shares tasks
with the platform's workers, as it is deployed on its own."""

from __future__ import annotations

from typing import Any

from celery import Celery

from core.settings import Settings, load_settings
from core.taskqueue import make_celery

QUEUE = "feedback"


def add_beat(app: Celery, settings: Settings, name: str, task: str, seconds: float, **options: Any) -> None:
    """One periodic entry on the feedback queue, added to the app's beat schedule; `options` go with
    the queue (e.g. `expires`)."""
    app.conf.beat_schedule = {
        **(app.conf.beat_schedule or {}),
        name: {
            "task": task,
            "schedule": seconds,
            "options": {"queue": settings.task_queue_prefix + QUEUE, **options},
        },
    }


def create_celery(settings: Settings | None = None) -> Celery:
    from feedback.dashboards.tasks import configure_alerts
    from feedback.reports.tasks import configure_bale
    from feedback.rollups.tasks import configure_rollups
    from feedback.tasks import PURGE_JOB_FILES, register_tasks

    settings = settings or load_settings()
    app = make_celery(
        "feedback",
        settings,
        include=[
            "feedback.tasks",
            "feedback.reports.tasks",
            "feedback.dashboards.tasks",
            "feedback.rollups.tasks",
        ],
        queues=[QUEUE],
    )
    app.conf.govcloud_settings = settings
    app.conf.beat_schedule_filename = str(settings.var_path / "feedback-celerybeat-schedule")
    configure_bale(app, settings)
    configure_alerts(app, settings)
    configure_rollups(app, settings)
    app.conf.task_routes = {"feedback.*": {"queue": settings.task_queue_prefix + QUEUE}}
    register_tasks(app)
    add_beat(app, settings, "purge-job-files", PURGE_JOB_FILES, 6 * 3600.0)
    return app
