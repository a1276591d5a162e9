"""The periodic rollup fold and its beat entry, on the feedback service's Celery app. Readers fold
before they read; this keeps the pending rows few when nobody is looking."""

from __future__ import annotations

from typing import Any

from celery import Celery, shared_task
from sqlalchemy.engine import make_url

from core.settings import Settings
from feedback.db import task_session
from feedback.rollups.services import fold_pending
from feedback.worker import add_beat

FOLD_ROLLUPS = "feedback.fold-rollups"
EVERY_SECONDS = 2.0


def configure_rollups(app: Celery, settings: Settings) -> None:
    if make_url(settings.feedback_database_url).get_backend_name() != "postgresql":
        return  # the embedded SQLite applies rollups in the submission: nothing is ever pending
    # a fold that waited longer than a few intervals is stale: the next one applies the same rows
    add_beat(app, settings, "fold-rollups", FOLD_ROLLUPS, EVERY_SECONDS, expires=4 * EVERY_SECONDS)


@shared_task(bind=True, name=FOLD_ROLLUPS, ignore_result=True)
def fold_rollups_task(self: Any) -> int:
    settings: Settings = self.app.conf.govcloud_settings
    with task_session(settings) as session:
        return fold_pending(session)
