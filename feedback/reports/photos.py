"""The photo a citizen sends the Bale bot with a report, fetched (Bot API `getFile`, then the file)
into the job files, so the report's page shows it. A beat task fetches what is missing; a photo Bale
no longer holds, or one too large, is given up on (the page then says a photo was sent)."""

from __future__ import annotations

import io
import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from feedback.jobs.files import JobFiles
from feedback.reports.models import MissingCodeReport
from feedback.reports.outbox import BotApi, PermanentFailure, TransientFailure

log = logging.getLogger(__name__)
PHOTO_LIMIT = 10 * 1024 * 1024  # Bale's photos are compressed; ten megabytes is far above one
BATCH = 20
GIVEN_UP = "-"  # photo_key of a photo that cannot be fetched: not tried again


def fetch_photos(session: Session, api: BotApi, store: JobFiles) -> int:
    """Fetch the photos of up to BATCH reports that have none yet; how many were stored. A transient
    failure stops the batch (the next run tries again)."""
    reports = session.scalars(
        select(MissingCodeReport)
        .where(MissingCodeReport.photo_file_id.is_not(None), MissingCodeReport.photo_key.is_(None))
        .order_by(MissingCodeReport.id)
        .limit(BATCH)
    ).all()
    stored = 0
    for report in reports:
        try:
            found = api.call("getFile", {"file_id": report.photo_file_id})
            file_path = str((found.get("result") or {}).get("file_path") or "")
            if not file_path:
                raise PermanentFailure("getFile gave no file_path")
            data = api.download(file_path, PHOTO_LIMIT)
        except TransientFailure as exc:
            log.warning("report %s: photo not fetched yet (%s)", report.id, exc)
            break
        except PermanentFailure as exc:
            log.warning("report %s: photo given up (%s)", report.id, exc)
            report.photo_key = GIVEN_UP
            session.commit()
            continue
        report.photo_key = store.save(session, f"report-{report.id}-photo.jpg", io.BytesIO(data))
        session.commit()
        stored += 1
    return stored
