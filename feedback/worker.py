"""The feedback service's own Celery app (own queue, own broker settings): it never shares tasks
with the platform's workers, as it is deployed on its own. Names in `feedback/celery_names.py`, the
beat entries in `feedback/schedule.py`; task modules do not import this module."""

from __future__ import annotations

from celery import Celery
from sqlalchemy.engine import make_url

from core.settings import Settings, load_settings
from core.taskqueue import make_celery
from feedback.celery_names import ROUTES, QueueNames
from feedback.schedule import POSTGRESQL_ONLY, SCHEDULE

TASK_MODULES = [
    "feedback.tasks",
    "feedback.reports.tasks",
    "feedback.dashboards.tasks",
    "feedback.rollups.tasks",
    "feedback.survey.tasks",
]


def create_celery(settings: Settings | None = None) -> Celery:
    from feedback.tasks import register_tasks

    settings = settings or load_settings()
    postgresql = make_url(settings.feedback_database_url).get_backend_name() == "postgresql"
    schedule = {name: entry for name, entry in SCHEDULE.items() if postgresql or name not in POSTGRESQL_ONLY}
    app = make_celery("feedback", settings, TASK_MODULES, QueueNames.all(), routes=ROUTES, schedule=schedule)
    app.conf.beat_schedule_filename = str(settings.var_path / "feedback-celerybeat-schedule")
    register_tasks(app)
    return app
