"""Compliance in the background: the daily snapshot (beat), debounced recomputes after catalog
changes, and reminder e-mails retried until delivered."""

from __future__ import annotations

import datetime as dt
import functools
import logging

import redis
from celery import Celery, current_app, current_task, shared_task

from core import redisconn
from core.actors import SYSTEM
from core.dates import tehran_today
from core.db import task_session
from core.errors import NotFound
from core.settings import Settings
from core.taskqueue import task_settings
from onboarding.compliance import reminders, services
from onboarding.satisfaction import services as satisfaction
from workers.celery_names import TaskNames

log = logging.getLogger(__name__)

RECOMPUTE_DELAY_SECONDS = 30
EMAIL_RETRY_SECONDS = 300


today = tehran_today  # the compliance day is Tehran's calendar day (deadlines are Jalali dates in Iran)


def _email_enabled() -> bool:
    return bool(task_settings().smtp_url)


@shared_task(name=TaskNames.DAILY_SNAPSHOT)
def daily_snapshot(day: str | None = None) -> dict[str, object]:
    when = dt.date.fromisoformat(day) if day else today()
    with task_session(task_settings().database_url) as session:
        result = services.take_snapshot(session, SYSTEM, when, email_enabled=_email_enabled())
    if _email_enabled():
        send_reminder_emails.delay()
    return {"day": when.isoformat(), "rows": result.rows, "statuses": dict(result.statuses)}


def satisfaction_url(settings: Settings) -> str:
    return settings.satisfaction_url or settings.feedback_base_url.rstrip("/") + "/transparency.json"


@shared_task(name=TaskNames.IMPORT_SATISFACTION)
def import_satisfaction() -> dict[str, object]:
    """Beat: read the feedback tenant's per-agency scores for today (the satisfaction metric's data)."""
    settings = task_settings()
    payload = satisfaction.fetch_transparency(satisfaction_url(settings))
    with task_session(settings.database_url) as session:
        result = satisfaction.import_scores(session, SYSTEM, payload, today())
    return {"imported": result.imported, "withheld": result.withheld, "unknown": result.unknown}


@shared_task(name=TaskNames.RECOMPUTE_AGENCY)
def recompute_agency(agency_id: int, debounce_key: str | None = None) -> dict[str, object]:
    if debounce_key:
        # Cleared before computing: a change arriving while we compute schedules a fresh recompute.
        _redis().delete(debounce_key)
    when = today()
    with task_session(task_settings().database_url) as session:
        try:
            result = services.recompute_agency(
                session, SYSTEM, agency_id, when, email_enabled=_email_enabled()
            )
        except NotFound:
            # Asked for with a delay: the agency can be gone by then, and there is nothing to refresh.
            log.warning("recompute skipped: agency %s no longer exists", agency_id)
            return {"agency_id": agency_id, "day": when.isoformat(), "rows": 0}
    if _email_enabled() and result.at_risk:
        send_reminder_emails.delay()
    return {"agency_id": agency_id, "day": when.isoformat(), "rows": result.rows}


@shared_task(name=TaskNames.SEND_REMINDER_EMAILS, bind=True, max_retries=None)
def send_reminder_emails(self) -> dict[str, int]:
    settings = task_settings()
    with task_session(settings.database_url) as session:
        counts = reminders.deliver_pending_emails(
            session, settings.smtp_url, reminders.default_sender(settings.base_url)
        )
    if counts["failed"]:
        raise self.retry(countdown=EMAIL_RETRY_SECONDS)
    return counts


def debounce_key(settings: Settings, agency_id: int) -> str:
    return f"{settings.task_queue_prefix}compliance:recompute:{agency_id}"


@functools.cache
def _redis_client(url: str) -> redis.Redis:
    return redisconn.connect(url)


def _redis() -> redis.Redis:
    return _redis_client(task_settings().redis_url)


def request_recompute(
    agency_id: int, delay: int = RECOMPUTE_DELAY_SECONDS, celery_app: Celery | None = None
) -> bool:
    """Ask for the agency's figures to be recomputed soon; call after a catalog change is committed.

    Many edits within `delay` seconds fold into one recompute: the first sets a Redis key (SET NX
    with an expiry) and schedules the task; the rest find the key and do nothing. Returns whether a
    task was scheduled. Without Redis (embedded mode) every call schedules one. The portal passes its
    Celery app (`create_celery(settings)`); inside a worker the current app is used.
    """
    app = celery_app or (current_task.app if current_task else current_app)
    settings: Settings = app.conf.govcloud_settings
    if not settings.redis_url:
        app.send_task(TaskNames.RECOMPUTE_AGENCY, args=[agency_id], countdown=delay)
        return True
    key = debounce_key(settings, agency_id)
    if not _redis_client(settings.redis_url).set(key, "1", nx=True, ex=delay + 60):
        return False
    app.send_task(TaskNames.RECOMPUTE_AGENCY, args=[agency_id], kwargs={"debounce_key": key}, countdown=delay)
    return True


# The app whose broker the catalog hook sends through: set by `workers.app.connect_catalog_to_compliance`.
# One per process (the portal's, or the CLI's); never the "current" app, which a worker thread may change.
hook_app: Celery | None = None


def recompute_after_catalog_change(agency_ids: frozenset[int]) -> None:
    """The catalog's after-change hook: each changed agency gets one (debounced) recompute."""
    for agency_id in sorted(agency_ids):
        request_recompute(agency_id, celery_app=hook_app)
