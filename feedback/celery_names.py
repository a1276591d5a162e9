"""Every queue and task name of the feedback service's Celery app, declared once (as GOV.UK
Notify's `QueueNames` and `TaskNames`; the platform's are in `workers/celery_names.py`, which the
feedback service does not import). Task modules register under these names, `feedback/schedule.py`,
senders and tests use them; `tests/test_architecture.py` fails a task name typed anywhere else."""

from __future__ import annotations


class QueueNames:
    """Fast work (the rollup fold every two seconds, alerts, Bale replies) never waits behind bulk
    work (a national import, a print run of thousands of sheets): each has its own queue and, in
    the chart, its own worker Deployment."""

    FEEDBACK = "feedback"
    BULK = "feedback-bulk"

    @staticmethod
    def all() -> tuple[str, ...]:
        return (QueueNames.FEEDBACK, QueueNames.BULK)


class TaskNames:
    IMPORT_EMPLOYEES = "feedback.import-employees"
    PRINT_SHEETS = "feedback.print-sheets"
    FOLD_ROLLUPS = "feedback.fold-rollups"
    EVALUATE_ALERTS = "feedback.evaluate-alerts"
    SEND_BALE_OUTBOX = "feedback.send-bale-outbox"
    SWEEP_BALE_OUTBOX = "feedback.sweep-bale-outbox"
    PURGE_BALE_ROWS = "feedback.purge-bale-rows"
    PURGE_JOB_FILES = "feedback.purge-job-files"
    FETCH_REPORT_PHOTOS = "feedback.fetch-report-photos"
    WEEKLY_DIGESTS = "feedback.weekly-digests"
    MAINTAIN_PARTITIONS = "feedback.maintain-partitions"


# Exact names first, then the pattern: the bulk tasks, everything else on the fast queue.
ROUTES = {
    TaskNames.IMPORT_EMPLOYEES: QueueNames.BULK,
    TaskNames.PRINT_SHEETS: QueueNames.BULK,
    "feedback.*": QueueNames.FEEDBACK,
}
