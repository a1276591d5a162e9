"""Jobs the worker runs for the web (imports, print batches): created, advanced, finished here, so
the page can poll one small row for progress and the outcome."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actors import SYSTEM, Actor
from core.errors import Conflict, NotAuthorized, NotFound, ValidationError
from feedback.accounts.actors import registry_admin
from feedback.accounts.policies import can_manage_registry, registry_place
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
    """National registry admins see every job; a place-scoped account its own jobs only (another's
    rejects and sheets name another place's employees): the others are "not found". Dashboard
    accounts see none."""
    if not can_manage_registry(actor):
        raise NotAuthorized("only registry admins see jobs")
    job = session.get(Job, job_id)
    if job is None or (registry_place(actor) is not None and job.account_id != actor.id):
        raise NotFound("no such job", job_id=job_id)
    return job


def actor_of(job: Job) -> Actor:
    """Who the worker runs a job as: the operators' system actor, or for a job a place-scoped
    account started, that account within its place (kept in the job's parameters when it began)."""
    place = params(job).get("place", "")
    if not place:
        return SYSTEM
    return registry_admin(job.account_id or 0, f"account {job.account_id}", place)


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
    return create_job(session, actor, IMPORT, {"file": upload.name} | _place(actor), input_path=key)


def _place(actor: Actor) -> dict[str, str]:
    place = registry_place(actor)
    return {"place": f"{place[0]}:{place[1]}"} if place else {}


def create_print_job(session: Session, actor: Actor, selection: Any, per_page: int, as_zip: bool) -> Job:
    """Validate the batch (known agency/province, not empty, size fits the format), then queue."""
    from feedback.printing.services import SINGLE_PDF_LIMIT, count_batch, within_place

    selection = within_place(actor, selection)
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
            "county": selection.county,
            "employment_codes": list(selection.employment_codes),
            "per_page": per_page,
            "zip": as_zip,
        },
        total=total,
    )


def create_print_parts_job(
    session: Session, actor: Actor, selection: Any, per_page: int
) -> tuple[Job, list[Job]]:
    """A run split per county: the parent job (the whole) and one queued job per county (a zip of
    one PDF per unit), committed together; the caller sends one task per part, so the parts run in
    parallel on every worker process, and each is retried on its own."""
    from feedback.printing.services import plan_parts, within_place

    selection = within_place(actor, selection)
    parts = plan_parts(session, actor, selection)
    if not parts:
        raise ValidationError("no active employee matches this batch", fields={"agency_code": "no_employees"})
    common = {
        "agency_code": selection.agency_code,
        "unit": selection.unit,
        "per_page": per_page,
        "zip": True,
    }
    parent = Job(
        kind=PRINT,
        status=RUNNING,
        account_id=actor.id,
        params=json.dumps(
            common | {"province": selection.province, "national": selection.national, "parts": "county"},
            ensure_ascii=False,
        ),
        total=sum(p.sheets for p in parts),
        done=0,
        summary="",
        error="",
        output_path="",
        rejects_path="",
    )
    session.add(parent)
    session.flush()
    children = [
        Job(
            kind=PRINT,
            status=QUEUED,
            account_id=actor.id,
            parent_id=parent.id,
            params=json.dumps(common | {"province": p.province, "county": p.county}, ensure_ascii=False),
            total=p.sheets,
            done=0,
            summary="",
            error="",
            output_path="",
            rejects_path="",
        )
        for p in parts
    ]
    session.add_all(children)
    session.commit()
    return parent, children


def parts_of(session: Session, job: Job) -> list[Job]:
    return list(session.scalars(select(Job).where(Job.parent_id == job.id).order_by(Job.id)))


@dataclasses.dataclass(frozen=True)
class Progress:
    status: str
    done: int
    total: int
    summary: str
    error: str


def progress_of(session: Session, job: Job) -> Progress:
    """A job's own progress; a split run's is its parts': done when every part is, failed when one
    failed and none is still running (the others' files stay; the failed part is retried alone)."""
    parts = parts_of(session, job) if is_split(job) else []
    if not parts:
        return Progress(job.status, job.done, job.total, job.summary, job.error)
    statuses = [p.status for p in parts]
    finished = statuses.count(DONE)
    failed = statuses.count(FAILED)
    if finished == len(parts):
        status = DONE
    elif failed and all(s in (DONE, FAILED) for s in statuses):
        status = FAILED
    else:
        status = RUNNING
    done = sum(p.total if p.status == DONE else p.done for p in parts)
    sheets = sum(p.total for p in parts)
    summary = f"{finished} of {len(parts)} parts done, {done} of {sheets} sheets"
    error = f"{failed} part(s) failed: retry them on this page" if failed else ""
    return Progress(status, done, sheets, summary, error)


def is_split(job: Job) -> bool:
    return params(job).get("parts") == "county"


def retry_part(session: Session, actor: Actor, job_id: int) -> Job:
    """A failed part queued again (its run is all or nothing: nothing of the failed try is kept)."""
    job = get_job(session, actor, job_id)
    if job.kind != PRINT or job.status != FAILED:
        raise Conflict("only a failed print job is retried", job_id=job_id)
    job.status, job.done, job.error, job.summary = QUEUED, 0, "", ""
    session.commit()
    return job
