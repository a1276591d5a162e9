"""The alert evaluation task and its beat entry, on the feedback service's Celery app."""

from __future__ import annotations

from typing import Any

from celery import Celery, shared_task

from core.settings import Settings
from feedback.accounts.actors import SYSTEM
from feedback.dashboards.alerts import evaluate_alerts
from feedback.db import task_session
from feedback.rollups.scores import min_responses
from feedback.worker import add_beat

EVALUATE_ALERTS = "feedback.evaluate-alerts"
EVERY_SECONDS = 300.0


def configure_alerts(app: Celery, settings: Settings) -> None:
    add_beat(app, settings, "evaluate-alerts", EVALUATE_ALERTS, EVERY_SECONDS)


@shared_task(bind=True, name=EVALUATE_ALERTS, acks_late=True)
def evaluate_alerts_task(self: Any) -> int:
    settings: Settings = self.app.conf.govcloud_settings
    with task_session(settings) as session:
        return evaluate_alerts(session, SYSTEM, min_responses(settings))
