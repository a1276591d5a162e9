"""The alert evaluation task, on the feedback service's Celery app (its beat entry in
`feedback/schedule.py`): raise what broke a threshold, then send what is unsent (e-mail now, Bale
through the outbox after the commit)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from core.actors import SYSTEM
from core.db import task_session
from core.mail import default_sender
from core.settings import Settings
from feedback.celery_names import TaskNames
from feedback.dashboards.alerts import evaluate_alerts, notify_alerts
from feedback.dashboards.digest import send_weekly_digests
from feedback.reports.tasks import enqueue_outbox
from feedback.rollups.scores import min_responses


@shared_task(bind=True, name=TaskNames.EVALUATE_ALERTS, acks_late=True)
def evaluate_alerts_task(self: Any) -> int:
    settings: Settings = self.app.conf.govcloud_settings
    with task_session(settings.feedback_database_url) as session:
        raised = evaluate_alerts(session, SYSTEM, min_responses(settings))
        queued = notify_alerts(
            session,
            SYSTEM,
            settings.smtp_url,
            default_sender(settings.feedback_base_url),
            settings.feedback_base_url,
        )
    enqueue_outbox(self.app, queued)
    return raised


@shared_task(bind=True, name=TaskNames.WEEKLY_DIGESTS)
def weekly_digests_task(self: Any) -> int:
    """Each head of agency's weekly digest, by e-mail."""
    settings: Settings = self.app.conf.govcloud_settings
    with task_session(settings.feedback_database_url) as session:
        return send_weekly_digests(
            session,
            SYSTEM,
            settings.smtp_url,
            default_sender(settings.feedback_base_url),
            settings.feedback_base_url,
            min_responses(settings),
        )
