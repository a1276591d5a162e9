"""The Bale outbox's thin tasks, on the feedback service's one Celery app (`feedback.worker`; the
sweep's and purge's beat entries in `feedback/schedule.py`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import Celery, shared_task

from core.db import task_session, utcnow
from core.settings import Settings
from feedback.celery_names import TaskNames
from feedback.reports import bot, outbox, queries

MAX_RETRIES = 8
SWEEP_AFTER = dt.timedelta(minutes=2)


def enqueue_outbox(app: Celery, outbox_ids: list[int]) -> None:
    """After the webhook's commit. No publish retries: a broker hiccup must not hold the webhook;
    the sweeper sends what was stored but never enqueued."""
    if outbox_ids:
        app.send_task(
            TaskNames.SEND_BALE_OUTBOX, args=[outbox_ids], queue=app.conf.task_default_queue, retry=False
        )


@shared_task(bind=True, name=TaskNames.SEND_BALE_OUTBOX, max_retries=MAX_RETRIES, acks_late=True)
def send_bale_outbox(self: Any, outbox_ids: list[int]) -> dict[str, int]:
    """Send the rows in order; on a transient failure retry with exponential backoff, then give up."""
    settings: Settings = self.app.conf.govcloud_settings
    api = outbox.BotApi(settings.bale_api_base, settings.bale_bot_token)
    with task_session(settings.feedback_database_url) as session:
        result = outbox.deliver(session, outbox_ids, api)
        if not result.retry:
            return {"sent": result.sent, "failed": result.failed}
        if self.request.retries >= self.max_retries:
            outbox.give_up(session, outbox_ids, "gave up after repeated transient failures")
            return {"sent": result.sent, "failed": len(outbox_ids) - result.sent}
        delay = outbox.backoff_seconds(self.request.retries, settings.bale_retry_base_seconds)
        delay = max(delay, result.retry_after or 0.0)
        outbox.mark_scheduled(session, outbox_ids, utcnow() + dt.timedelta(seconds=delay))
    raise self.retry(countdown=delay)


@shared_task(bind=True, name=TaskNames.SWEEP_BALE_OUTBOX)
def sweep_bale_outbox(self: Any) -> int:
    """Re-enqueue pending rows nobody is sending (the webhook's enqueue failed, a worker died)."""
    settings: Settings = self.app.conf.govcloud_settings
    with task_session(settings.feedback_database_url) as session:
        ids = queries.list_stale_outbox_ids(session, utcnow() - SWEEP_AFTER)
    for outbox_id in ids:
        enqueue_outbox(self.app, [outbox_id])
    return len(ids)


@shared_task(bind=True, name=TaskNames.PURGE_BALE_ROWS)
def purge_bale_rows(self: Any) -> dict[str, int]:
    """Drop old raw updates, finished outbox rows and abandoned conversations (personal data)."""
    settings: Settings = self.app.conf.govcloud_settings
    with task_session(settings.feedback_database_url) as session:
        return bot.purge_bale_rows(session)


@shared_task(bind=True, name=TaskNames.FETCH_REPORT_PHOTOS)
def fetch_report_photos(self: Any) -> int:
    """Fetch the photos citizens sent the bot with their reports (nothing when Bale is not set up)."""
    from feedback.jobs.files import job_files
    from feedback.reports.photos import fetch_photos

    settings: Settings = self.app.conf.govcloud_settings
    if not settings.bale_bot_token:
        return 0
    api = outbox.BotApi(settings.bale_api_base, settings.bale_bot_token)
    with task_session(settings.feedback_database_url) as session:
        return fetch_photos(session, api, job_files(session, settings.var_path))
