"""The platform's beat schedule: periodic work, each entry a task name, when it runs and its queue
(unprefixed: `core.taskqueue.beat_schedule` adds the deployment's prefix)."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from workers.celery_names import QueueNames, TaskNames

SCHEDULE: dict[str, dict[str, Any]] = {
    "heartbeat": {"task": TaskNames.HEARTBEAT, "schedule": 60.0, "options": {"queue": QueueNames.DEFAULT}},
    "reconcile-runs": {
        "task": TaskNames.RECONCILE_RUNS,
        "schedule": 30.0,
        "options": {"queue": QueueNames.MIGRATIONS},
    },
    "compliance-daily-snapshot": {
        "task": TaskNames.DAILY_SNAPSHOT,
        "schedule": crontab(hour=2, minute=30),  # Asia/Tehran (the app's timezone): before the working day
        "options": {"queue": QueueNames.COMPLIANCE},
    },
    "compliance-import-satisfaction": {
        "task": TaskNames.IMPORT_SATISFACTION,
        "schedule": crontab(minute=15),  # hourly; the tenant's figures cover its last 30 days
        "options": {"queue": QueueNames.COMPLIANCE},
    },
    "probes-send-due": {
        "task": TaskNames.SEND_DUE_PROBES,
        "schedule": 30.0,  # each service has its own interval (default 5 minutes); this only finds who is due
        "options": {"queue": QueueNames.PROBES},
    },
    "probes-check-workloads": {
        "task": TaskNames.CHECK_WORKLOADS,
        "schedule": 300.0,  # "joined the cloud" with evidence counts an agency only while a workload answers
        "options": {"queue": QueueNames.PROBES},
    },
    "probes-fold-and-expire": {
        "task": TaskNames.FOLD_PROBES,
        "schedule": crontab(hour=4, minute=0),  # Asia/Tehran: 00:30 UTC, after the UTC day closed
        "options": {"queue": QueueNames.PROBES},
    },
}
