"""The feedback service's own Celery app (own queue, own broker settings): it never shares tasks
with the platform's workers, as it is deployed on its own."""

from __future__ import annotations

from celery import Celery

from core.settings import Settings, load_settings
from core.taskqueue import make_celery

QUEUE = "feedback"


def create_celery(settings: Settings | None = None) -> Celery:
    from feedback.tasks import register_tasks

    settings = settings or load_settings()
    app = make_celery("feedback", settings, include=["feedback.tasks"], queues=[QUEUE])
    app.conf.feedback_settings = settings
    if settings.embedded_broker:  # kombu's filesystem transport would otherwise write ./control/
        folder = settings.var_path / "broker" / "feedback" / "control"
        folder.mkdir(parents=True, exist_ok=True)
        app.conf.broker_transport_options = {
            **app.conf.broker_transport_options,
            "control_folder": str(folder),
        }
    app.conf.task_routes = {"feedback.*": {"queue": settings.task_queue_prefix + QUEUE}}
    register_tasks(app)
    return app
