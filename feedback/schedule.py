"""The feedback service's beat schedule (`govcloud feedback beat`): periodic work, each entry a task
name, when it runs and its queue (unprefixed: `core.taskqueue.beat_schedule` adds the deployment's
prefix)."""

from __future__ import annotations

from typing import Any

from feedback.celery_names import QueueNames, TaskNames

FOLD_EVERY_SECONDS = 2.0  # readers fold before they read; this keeps the pending rows few meanwhile

SCHEDULE: dict[str, dict[str, Any]] = {
    "sweep-bale-outbox": {
        "task": TaskNames.SWEEP_BALE_OUTBOX,
        "schedule": 60.0,
        "options": {"queue": QueueNames.FEEDBACK},
    },
    "purge-bale-rows": {
        "task": TaskNames.PURGE_BALE_ROWS,
        "schedule": 6 * 3600.0,
        "options": {"queue": QueueNames.FEEDBACK},
    },
    "purge-job-files": {
        "task": TaskNames.PURGE_JOB_FILES,
        "schedule": 6 * 3600.0,
        "options": {"queue": QueueNames.FEEDBACK},
    },
    "fetch-report-photos": {
        "task": TaskNames.FETCH_REPORT_PHOTOS,
        "schedule": 60.0,
        "options": {"queue": QueueNames.FEEDBACK},
    },
    "weekly-digests": {
        "task": TaskNames.WEEKLY_DIGESTS,
        "schedule": 7 * 24 * 3600.0,
        "options": {"queue": QueueNames.FEEDBACK},
    },
    "evaluate-alerts": {
        "task": TaskNames.EVALUATE_ALERTS,
        "schedule": 300.0,
        "options": {"queue": QueueNames.FEEDBACK},
    },
    "fold-rollups": {
        "task": TaskNames.FOLD_ROLLUPS,
        "schedule": FOLD_EVERY_SECONDS,
        # a fold that waited longer than a few intervals is stale: the next one applies the same rows
        "options": {"queue": QueueNames.FEEDBACK, "expires": 4 * FOLD_EVERY_SECONDS},
    },
    "maintain-partitions": {
        "task": TaskNames.MAINTAIN_PARTITIONS,
        "schedule": 6 * 3600.0,
        "options": {"queue": QueueNames.FEEDBACK},
    },
}
# The embedded SQLite applies rollups in the submission: nothing is ever pending there; its
# responses are one plain table.
POSTGRESQL_ONLY = frozenset({"fold-rollups", "maintain-partitions"})
