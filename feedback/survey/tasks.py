"""The responses' monthly partitions (PostgreSQL), on the feedback service's Celery app: months
created ahead of time, months past the retention setting dropped (beat entry in
`feedback/schedule.py`)."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from core.db import task_session
from core.settings import Settings
from feedback.celery_names import TaskNames
from feedback.survey.partitions import drop_old_partitions, ensure_partitions


@shared_task(bind=True, name=TaskNames.MAINTAIN_PARTITIONS, ignore_result=True)
def maintain_partitions_task(self: Any) -> dict[str, list[str]]:
    settings: Settings = self.app.conf.govcloud_settings
    with task_session(settings.feedback_database_url) as session:
        created = ensure_partitions(session)
        dropped = drop_old_partitions(session, int(settings.feedback_retention_months))
    return {"created": created, "dropped": dropped}
