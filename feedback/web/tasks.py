"""Sending tasks from the feedback app: one Celery client per app (`create_app` sets it), as the
portal's `portal/tasks.py` does.

Tasks are sent after the commit that created their rows (a job's row, the Bale outbox). Unlike the
portal's runs, a registry job has no reconciler to pick up a lost send, so a failed send is an error
the admin sees."""

from __future__ import annotations

from typing import Any

from celery import Celery
from flask import current_app


def celery_client() -> Celery:
    return current_app.extensions["celery"]  # set by create_app


def send(task_name: str, *args: Any) -> None:
    """On the queue the app's routes give `task_name` (`feedback.celery_names.ROUTES`)."""
    celery_client().send_task(task_name, args=list(args))
