"""Jobs the worker runs for the web (imports, print batches): created, advanced, finished here, so
the page can poll one small row for progress and the outcome."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from core.actors import Actor
from core.errors import NotAuthorized, NotFound, ValidationError
from feedback.accounts.policies import can_manage_registry
from feedback.jobs.files import JobFiles
from feedback.jobs.models import DONE, FAILED, IMPORT, PRINT, QUEUED, RUNNING, Job


def create_job(
    session: Session,
    actor: Actor,
    kind: str,
    params: dict[str, Any],
    input_path: str = "",
    total: int = 0,
) -> Job:
    if not can_manage_registry(actor):
        raise NotAuthorized("only registry admins start jobs")
    job = Job(
        kind=kind,
        status=QUEUED,
        account_id=actor.id,
        params=json.dumps(params, ensure_ascii=False),
        input_path=input_path,
        total=total,
        done=0,
        summary="",
        error="",
        output_path="",
        rejects_path="",
    )
    session.add(job)
    session.commit()
    return job


def get_job(session: Session, actor: Actor, job_id: int) -> Job:
    """Registry admins see every job (the registry is one); dashboard accounts see none."""
    if not can_manage_registry(actor):
        raise NotAuthorized("only registry admins see jobs")
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("no such job", job_id=job_id)
    return job


def start_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("no such job", job_id=job_id)
    job.status = RUNNING
    session.commit()
    return job


def report_progress(session: Session, job_id: int, done: int, total: int) -> None:
    job = session.get(Job, job_id)
    if job is not None:
        job.done, job.total = done, total
        session.commit()


def finish_job(
    session: Session,
    job_id: int,
    summary: str,
    output_path: str | None = None,
    rejects_path: str | None = None,
) -> None:
    job = session.get(Job, job_id)
    if job is None:
        return
    job.status = DONE
    job.summary = summary
    job.done = job.total = max(job.total, job.done, 1)
    job.output_path = str(output_path or "")
    job.rejects_path = str(rejects_path or "")
    session.commit()


def fail_job(session: Session, job_id: int, error: str) -> None:
    session.rollback()
    job = session.get(Job, job_id)
    if job is None:
        return
    job.status = FAILED
    job.error = error
    session.commit()


def params(job: Job) -> dict[str, Any]:
    return json.loads(job.params or "{}")


def create_import_job(session: Session, actor: Actor, upload: Path, store: JobFiles) -> Job:
    """Check the header now (a wrong file is refused on the page, not minutes later), then keep the
    file where the worker's pod reaches it (`store`) and queue: file and job commit together. The
    local `upload` (this pod's temporary copy) is removed either way."""
    from feedback.registry.reading import open_source

    if not can_manage_registry(actor):
        raise NotAuthorized("only registry admins import employees")
    try:
        open_source(upload).close()
        with upload.open("rb") as source:
            key = store.save(session, upload.name, source)
    finally:
        upload.unlink(missing_ok=True)
    return create_job(session, actor, IMPORT, {"file": upload.name}, input_path=key)


def create_print_job(session: Session, actor: Actor, selection: Any, per_page: int, as_zip: bool) -> Job:
    """Validate the batch (known agency/province, not empty, size fits the format), then queue."""
    from feedback.printing.services import SINGLE_PDF_LIMIT, count_batch

    total = count_batch(session, actor, selection)
    if total == 0:
        raise ValidationError("no active employee matches this batch", fields={"agency_code": "no_employees"})
    if not as_zip and total > SINGLE_PDF_LIMIT:
        raise ValidationError(
            f"{total} sheets are too many for one PDF; choose a zip of one PDF per unit",
            fields={"zip": "too_many_for_pdf"},
            total=total,
            limit=SINGLE_PDF_LIMIT,
        )
    return create_job(
        session,
        actor,
        PRINT,
        {
            "agency_code": selection.agency_code,
            "unit": selection.unit,
            "province": selection.province,
            "employment_codes": list(selection.employment_codes),
            "per_page": per_page,
            "zip": as_zip,
        },
        total=total,
    )
