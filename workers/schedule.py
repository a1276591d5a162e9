"""The beat schedule: periodic work, each entry a task name and when it runs."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from workers import queues

SCHEDULE: dict[str, dict[str, Any]] = {
    "heartbeat": {"task": "system.heartbeat", "schedule": 60.0, "options": {"queue": queues.DEFAULT}},
    "reconcile-runs": {
        "task": "onboarding.reconcile-runs",
        "schedule": 30.0,
        "options": {"queue": queues.MIGRATIONS},
    },
    "compliance-daily-snapshot": {
        "task": "compliance.daily-snapshot",
        "schedule": crontab(hour=2, minute=30),  # Asia/Tehran (the app's timezone): before the working day
        "options": {"queue": queues.COMPLIANCE},
    },
}
