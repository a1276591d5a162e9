"""The alert evaluation task and its beat entry, on the feedback service's Celery app."""

from __future__ import annotations

from typing import Any

from celery import Celery, shared_task

from core.db import session_scope
from core.settings import Settings
from feedback.accounts.actors import SYSTEM
from feedback.dashboards.alerts import evaluate_alerts
from feedback.db import task_sessionmaker
from feedback.rollups.scores import min_responses

EVALUATE_ALERTS = "feedback.evaluate-alerts"
EVERY_SECONDS = 300.0


def configure_alerts(app: Celery, settings: Settings) -> None:
    queue = {"queue": settings.task_queue_prefix + "feedback"}
    app.conf.beat_schedule = {
        **(app.conf.beat_schedule or {}),
        "evaluate-alerts": {"task": EVALUATE_ALERTS, "schedule": EVERY_SECONDS, "options": queue},
    }


@shared_task(bind=True, name=EVALUATE_ALERTS, acks_late=True)
def evaluate_alerts_task(self: Any) -> int:
    settings: Settings = self.app.conf.govcloud_settings
    with session_scope(task_sessionmaker(settings.feedback_database_url)) as session:
        return evaluate_alerts(session, SYSTEM, min_responses(settings))
