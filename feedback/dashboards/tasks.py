"""The alert evaluation task, on the feedback service's Celery app (its beat entry in
`feedback/schedule.py`)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from core.actors import SYSTEM
from core.db import task_session
from core.settings import Settings
from feedback.celery_names import TaskNames
from feedback.dashboards.alerts import evaluate_alerts
from feedback.rollups.scores import min_responses


@shared_task(bind=True, name=TaskNames.EVALUATE_ALERTS, acks_late=True)
def evaluate_alerts_task(self: Any) -> int:
    settings: Settings = self.app.conf.govcloud_settings
    with task_session(settings.feedback_database_url) as session:
        return evaluate_alerts(session, SYSTEM, min_responses(settings))
