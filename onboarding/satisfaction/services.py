"""Reading the feedback tenant's transparency JSON into per-agency satisfaction rows.

The tenant publishes `{"rows": [{"kind": "agency", "code": ..., "count": ..., "score": ...}, ...]}`
at `/transparency.json`, with `score` null where its minimum of responses is not met. Its agency
codes are the reference agency codes the catalog is seeded with, so each maps to the catalog agency
of the same code; codes the catalog does not know are counted and skipped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import urllib3
from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Agency
from core.actors import Actor
from core.dates import utcnow
from core.db import dialect_insert
from core.errors import NotAuthorized, ValidationError
from onboarding.satisfaction.models import SatisfactionScore

FETCH_TIMEOUT = 10.0
MAX_BYTES = 16 * 1024 * 1024


@dataclasses.dataclass(frozen=True)
class ImportResult:
    imported: int
    withheld: int  # under the tenant's minimum of responses
    unknown: list[str]


def fetch_transparency(url: str, timeout: float = FETCH_TIMEOUT) -> dict[str, Any]:
    """GET the tenant's JSON (an operator-configured URL, not an agency's: no prober rules needed)."""
    response = urllib3.request(
        "GET", url, timeout=urllib3.Timeout(total=timeout), retries=False, preload_content=False,
        headers={"Accept": "application/json", "User-Agent": "govcloud-platform/1"},
    )  # fmt: skip
    try:
        if response.status != 200:
            raise ValidationError(
                "the feedback service did not answer", fields={"url": f"status {response.status}"}
            )
        body = response.read(MAX_BYTES + 1)
    finally:
        response.release_conn()
    if len(body) > MAX_BYTES:
        raise ValidationError("the feedback service's answer is too large", fields={"url": "too large"})
    try:
        payload = json.loads(body)
    except ValueError:
        raise ValidationError(
            "the feedback service's answer is not JSON", fields={"url": "not JSON"}
        ) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("rows"), list):
        raise ValidationError("the feedback service's answer has no rows", fields={"url": "no rows"})
    return payload


def import_scores(session: Session, actor: Actor, payload: dict[str, Any], day: dt.date) -> ImportResult:
    """Write (or replace) the day's score of every agency the payload scores; commit once."""
    if not actor.is_platform_admin:
        raise NotAuthorized("only the platform imports satisfaction scores")
    agencies: dict[str, int] = {
        code: agency_id for code, agency_id in session.execute(select(Agency.code, Agency.id))
    }
    rows, withheld, unknown = [], 0, []
    now = utcnow()
    for record in payload.get("rows", []):
        if not isinstance(record, dict) or record.get("kind") != "agency":
            continue
        code = str(record.get("code", ""))
        score, count = record.get("score"), record.get("count")
        if score is None or not isinstance(score, int | float) or not isinstance(count, int):
            withheld += 1
            continue
        if code not in agencies:
            unknown.append(code)
            continue
        rows.append(
            {
                "agency_id": agencies[code],
                "day": day,
                "score": float(score),
                "responses": count,
                "read_at": now,
            }
        )
    if rows:
        insert = dialect_insert(session, SatisfactionScore.__table__)
        session.execute(
            insert.on_conflict_do_update(
                index_elements=["agency_id", "day"],
                set_={c: insert.excluded[c] for c in ("score", "responses", "read_at")},
            ),
            rows,
        )
    session.commit()
    return ImportResult(len(rows), withheld, sorted(unknown))


def latest_scores(
    session: Session, agency_ids: list[int], day: dt.date, days: int = 7
) -> dict[int, SatisfactionScore]:
    """Each agency's latest score on or before `day`, no older than `days` (a stale score is no data)."""
    rows = session.scalars(
        select(SatisfactionScore)
        .where(SatisfactionScore.day <= day, SatisfactionScore.day > day - dt.timedelta(days=days))
        .order_by(SatisfactionScore.agency_id, SatisfactionScore.day)
    )
    wanted = set(agency_ids)
    return {row.agency_id: row for row in rows if row.agency_id in wanted}
