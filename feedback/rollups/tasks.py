"""The periodic rollup fold, on the feedback service's Celery app (its beat entry in
`feedback/schedule.py`, PostgreSQL only). Readers fold before they read; this keeps the pending rows
few when nobody is looking."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from core.db import task_session
from core.settings import Settings
from feedback.celery_names import TaskNames
from feedback.rollups.services import fold_pending


@shared_task(bind=True, name=TaskNames.FOLD_ROLLUPS, ignore_result=True)
def fold_rollups_task(self: Any) -> int:
    settings: Settings = self.app.conf.govcloud_settings
    with task_session(settings.feedback_database_url) as session:
        return fold_pending(session)
