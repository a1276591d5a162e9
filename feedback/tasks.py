"""Feedback tasks: thin callers of the import and print services, reporting progress on the job row.

Registered on the app `feedback.worker.create_celery` builds (not on a global app), so the
platform's worker never picks them up. Ids as arguments; the job row holds the rest.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from celery import Celery, Task
from sqlalchemy.orm import Session

from core.actors import SYSTEM
from core.db import task_session
from core.errors import GovcloudError
from core.settings import Settings
from feedback.celery_names import TaskNames
from feedback.jobs import services as jobs
from feedback.jobs.files import JobFiles, copy_to, job_files, purge_old_files
from feedback.printing.services import Selection, print_batch
from feedback.registry.importer import import_employees

log = logging.getLogger(__name__)
PROGRESS_EVERY_SECONDS = 0.5


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
    """The upload comes from the job-file store (the web pod that took it may be another machine),
    is imported from a temporary copy, and its rejects file goes back to the store for any web pod
    to serve; the upload itself is deleted once read."""
    with (
        task_session(settings.feedback_database_url) as session,
        tempfile.TemporaryDirectory(prefix="feedback-import-") as tmp,
    ):
        job = jobs.start_job(session, job_id)
        store = job_files(session, settings.var_path)
        upload = job.input_path
        source = Path(tmp) / f"upload{Path(jobs.params(job).get('file', '')).suffix.lower()}"
        rejects = Path(tmp) / "rejects.csv"
        progress = _Throttled(settings, job_id)
        try:
            copy_to(store, session, upload, source)
            summary = import_employees(
                session,
                jobs.actor_of(job),  # a place-scoped account's import stays within its place
                source,
                rejects,
                progress=lambda rows, fraction: progress(round(fraction * 1000), 1000),
            )
        except GovcloudError as exc:
            jobs.fail_job(session, job_id, exc.message)
            _forget(session, store, upload)
            return
        except Exception:
            jobs.fail_job(session, job_id, "the import stopped on an internal error (see the worker log)")
            raise
        rejects_key = None
        if summary.rejected:
            with rejects.open("rb") as written:
                rejects_key = store.save(session, f"rejects-{job_id}.csv", written)
        store.delete(session, upload)
        jobs.finish_job(session, job_id, summary.line(), rejects_path=rejects_key)
        log.info("feedback import job %s: %s", job_id, summary.line())


def _forget(session: Session, store: JobFiles, key: str) -> None:
    store.delete(session, key)
    session.commit()


def run_print_job(settings: Settings, job_id: int) -> None:
    """Sheets are drawn into a temporary file and kept in the job-file store for any web pod."""
    with (
        task_session(settings.feedback_database_url) as session,
        tempfile.TemporaryDirectory(prefix="feedback-print-") as tmp,
    ):
        job = jobs.start_job(session, job_id)
        p = jobs.params(job)
        selection = Selection(
            agency_code=p.get("agency_code", ""),
            unit=p.get("unit", ""),
            province=p.get("province", ""),
            employment_codes=tuple(p.get("employment_codes", ())),
            county=p.get("county", ""),
        )
        suffix = ".zip" if p.get("zip") else ".pdf"
        out = Path(tmp) / f"sheets-{job_id}{suffix}"
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
        store = job_files(session, settings.var_path)
        with out.open("rb") as written:
            key = store.save(session, out.name, written)
        jobs.finish_job(session, job_id, f"{summary.sheets} sheets, {summary.files} PDF", output_path=key)
        log.info("feedback print job %s: %s sheets", job_id, summary.sheets)


def purge_job_files(settings: Settings) -> int:
    """Job files older than the retention period (GOVCLOUD_FEEDBACK_JOB_FILES_DAYS) are deleted."""
    with task_session(settings.feedback_database_url) as session:
        return purge_old_files(
            session, job_files(session, settings.var_path), settings.feedback_job_files_days
        )


def import_employees_task(task: Task, job_id: int) -> None:
    run_import_job(task.app.conf.govcloud_settings, job_id)


def print_sheets_task(task: Task, job_id: int) -> None:
    run_print_job(task.app.conf.govcloud_settings, job_id)


def purge_job_files_task(task: Task) -> int:
    return purge_job_files(task.app.conf.govcloud_settings)


def register_tasks(app: Celery) -> None:
    """The same module-level functions on every app built (one per process in production); the
    settings come from the app the task runs on."""
    app.task(name=TaskNames.IMPORT_EMPLOYEES, bind=True, acks_late=True)(import_employees_task)
    app.task(name=TaskNames.PRINT_SHEETS, bind=True, acks_late=True)(print_sheets_task)
    app.task(name=TaskNames.PURGE_JOB_FILES, bind=True, ignore_result=True)(purge_job_files_task)
