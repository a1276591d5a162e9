"""Every queue and task name of the platform's Celery app, declared once (as GOV.UK Notify's
`QueueNames` and `TaskNames`). Task modules register under these names, the beat schedule, the
routes, senders and tests use them; `tests/test_architecture.py` fails a task name typed as a string
anywhere else, and the chart runs a worker deployment per group of these queues."""

from __future__ import annotations


class QueueNames:
    DEFAULT = "default"
    MIGRATIONS = "migrations"
    COMPLIANCE = "compliance"
    PROBES = "probes"

    @staticmethod
    def all() -> tuple[str, ...]:
        """Every queue, the default first (the one a task without a route goes to)."""
        return (QueueNames.DEFAULT, QueueNames.MIGRATIONS, QueueNames.COMPLIANCE, QueueNames.PROBES)


class TaskNames:
    HEARTBEAT = "system.heartbeat"
    ADVANCE_RUN = "onboarding.advance-run"
    RECONCILE_RUNS = "onboarding.reconcile-runs"
    DAILY_SNAPSHOT = "compliance.daily-snapshot"
    RECOMPUTE_AGENCY = "compliance.recompute-agency"
    SEND_REMINDER_EMAILS = "compliance.send-reminder-emails"
    IMPORT_SATISFACTION = "compliance.import-satisfaction"
    SEND_DUE_PROBES = "probes.send-due"
    PROBE_SERVICE = "probes.probe-service"
    FOLD_PROBES = "probes.fold-and-expire"
    CHECK_WORKLOADS = "probes.check-workloads"


# task-name pattern -> queue; a task matching none goes to the default queue
ROUTES = {
    "onboarding.*": QueueNames.MIGRATIONS,
    "compliance.*": QueueNames.COMPLIANCE,
    "probes.*": QueueNames.PROBES,
}
