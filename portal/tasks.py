"""Sending tasks from the portal: one Celery client per app, and enqueueing that never loses a row.

Tasks are sent after the commit that created their rows. If the broker is down the rows are still
there and the beat-driven reconciler picks them up, so a failed send is logged, not shown as an error.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app

from workers.celery_names import TaskNames

log = logging.getLogger(__name__)


def celery_client() -> Any:
    return current_app.extensions["celery"]  # set by create_app


def send(task_name: str, *args: Any) -> None:
    try:
        celery_client().send_task(task_name, args=list(args))
    except Exception:  # the reconciler covers a lost send; the user's change is already committed
        log.warning("could not send %s%r; the reconciler will pick it up", task_name, args, exc_info=True)


def cloud_backend() -> str:
    """The configured backend new migration runs are started on."""
    return current_app.config["GOVCLOUD"].cloud_backend


def advance_runs(*run_ids: int) -> None:
    """Hand started or cancelled runs to a worker (after the commit that changed them)."""
    for run_id in run_ids:
        send(TaskNames.ADVANCE_RUN, run_id)
