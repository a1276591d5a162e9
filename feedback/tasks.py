"""Feedback tasks: thin callers of the import and print services, reporting progress on the job row.

Registered on the app `feedback.worker.create_celery` builds (not on a global app), so the
platform's worker never picks them up. Ids as arguments; the job row holds the rest.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from celery import Celery, Task

from core.actors import SYSTEM
from core.db import task_session
from core.errors import GovcloudError
from core.settings import Settings
from feedback.celery_names import TaskNames
from feedback.jobs import services as jobs
from feedback.printing.services import Selection, print_batch
from feedback.registry.importer import import_employees

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 0.5


def output_dir(settings: Settings) -> Path:
    folder = settings.var_path / "feedback" / "jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class _Throttled:
    """Progress written to the job row at most twice a second, on its own session."""

    def __init__(self, settings: Settings, job_id: int) -> None:
        self.settings, self.job_id, self.last = settings, job_id, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_SECONDS or done >= total:
            self.last = now
            with task_session(self.settings.feedback_database_url) as session:
                jobs.report_progress(session, self.job_id, done, total)


def run_import_job(settings: Settings, job_id: int) -> None:
    with task_session(settings.feedback_database_url) as session:
        job = jobs.start_job(session, job_id)
        source = Path(job.input_path)
        rejects = output_dir(settings) / f"job-{job_id}-rejects.csv"
        progress = _Throttled(settings, job_id)
        try:
            summary = import_employees(
                session,
                SYSTEM,
                source,
                rejects,
                progress=lambda rows, fraction: progress(round(fraction * 1000), 1000),
            )
        except GovcloudError as exc:
            jobs.fail_job(session, job_id, exc.message)
            return
        except Exception:
            jobs.fail_job(session, job_id, "the import stopped on an internal error (see the worker log)")
            raise
        finally:
            source.unlink(missing_ok=True)
        jobs.finish_job(session, job_id, summary.line(), rejects_path=rejects if summary.rejected else None)
        log.info("feedback import job %s: %s", job_id, summary.line())


def run_print_job(settings: Settings, job_id: int) -> None:
    with task_session(settings.feedback_database_url) as session:
        job = jobs.start_job(session, job_id)
        p = jobs.params(job)
        selection = Selection(
            agency_code=p.get("agency_code", ""),
            unit=p.get("unit", ""),
            province=p.get("province", ""),
            employment_codes=tuple(p.get("employment_codes", ())),
        )
        suffix = ".zip" if p.get("zip") else ".pdf"
        out = output_dir(settings) / f"job-{job_id}-sheets{suffix}"
        try:
            summary = print_batch(
                session,
                SYSTEM,
                selection,
                out,
                base_url=settings.feedback_base_url,
                per_page=int(p.get("per_page", 1)),
                progress=_Throttled(settings, job_id),
            )
        except GovcloudError as exc:
            jobs.fail_job(session, job_id, exc.message)
            return
        except Exception:
            jobs.fail_job(session, job_id, "printing stopped on an internal error (see the worker log)")
            raise
        jobs.finish_job(session, job_id, f"{summary.sheets} sheets, {summary.files} PDF", output_path=out)
        log.info("feedback print job %s: %s sheets", job_id, summary.sheets)


def import_employees_task(task: Task, job_id: int) -> None:
    run_import_job(task.app.conf.govcloud_settings, job_id)


def print_sheets_task(task: Task, job_id: int) -> None:
    run_print_job(task.app.conf.govcloud_settings, job_id)


def register_tasks(app: Celery) -> None:
    """The same module-level functions on every app built (one per process in production); the
    settings come from the app the task runs on."""
    app.task(name=TaskNames.IMPORT_EMPLOYEES, bind=True, acks_late=True)(import_employees_task)
    app.task(name=TaskNames.PRINT_SHEETS, bind=True, acks_late=True)(print_sheets_task)
