"""Flagged answers (held out of the figures by the survey's misuse rules) reviewed by the people
above the desk: the nation, the province, the agency and its ministry. A unit's own head does not
judge answers about their own unit. Confirmed as misuse, an answer stays out; released, it counts
again (its rollups added, as if it had been counted when sent), unless the same device has since had
another answer counted for that desk that day. Who decided, when and why are kept."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.actors import Actor
from core.errors import Conflict, NotAuthorized, NotFound, ValidationError
from feedback.dashboards.comments import PAGE_SIZE, mask_personal
from feedback.dashboards.models import RELEASED, REVIEW_OUTCOMES, ResponseReview
from feedback.dashboards.scopes import UNIT, Scope
from feedback.dashboards.services import account_scope, response_filter
from feedback.rollups.services import apply_deltas, response_deltas
from feedback.survey.models import COUNTED, FLAGGED, Response

REASON_LENGTH = 1000


def _reviewer_scope(actor: Actor | None) -> Scope:
    scope = account_scope(actor)
    if scope is None or scope.kind == UNIT:
        raise NotAuthorized("flagged answers are reviewed above the unit")
    return scope


def _in_scope(query: Any, scope: Scope) -> Any:
    for name, value in response_filter(scope).items():
        column = getattr(Response, name)
        query = query.where(column.in_(value) if isinstance(value, list) else column == value)
    return query


@dataclasses.dataclass(frozen=True)
class Flagged:
    response: Response
    comment: str  # masked
    review: ResponseReview | None


def list_flagged(session: Session, actor: Actor | None) -> list[Flagged]:
    """The newest flagged answers in the account's scope (awaiting review or reviewed), and the
    answers it released (counted again), each with its review."""
    scope = _reviewer_scope(actor)
    reviewed = select(ResponseReview.response_id)
    query = _in_scope(select(Response), scope).where((Response.status == FLAGGED) | Response.id.in_(reviewed))
    rows = list(session.scalars(query.order_by(Response.id.desc()).limit(PAGE_SIZE)))
    reviews = {
        r.response_id: r
        for r in session.scalars(
            select(ResponseReview).where(ResponseReview.response_id.in_([row.id for row in rows]))
        )
    }
    return [Flagged(row, mask_personal(row.comment or ""), reviews.get(row.id)) for row in rows]


def review_flagged(
    session: Session, actor: Actor | None, response_id: int, outcome: str, reason: str
) -> ResponseReview:
    """Decide one flagged answer in the account's scope; outside it (or not flagged) is "not found",
    a second decision is a conflict."""
    scope = _reviewer_scope(actor)
    assert actor is not None
    reason = (reason or "").strip()
    if outcome not in REVIEW_OUTCOMES:
        raise ValidationError("the outcome is misuse or released", fields={"outcome": "unknown outcome"})
    if not reason or len(reason) > REASON_LENGTH:
        raise ValidationError(
            "say why, in at most 1000 characters", fields={"reason": "1 to 1000 characters"}
        )
    response = session.scalar(
        _in_scope(select(Response).where(Response.id == response_id), scope).with_for_update()
    )
    if response is None:
        raise NotFound("no such flagged answer", response_id=response_id)
    if session.scalar(select(ResponseReview.id).where(ResponseReview.response_id == response_id)):
        raise Conflict("this answer has already been reviewed")
    if response.status != FLAGGED:
        raise NotFound("no such flagged answer", response_id=response_id)
    review = ResponseReview(response_id=response_id, outcome=outcome, reason=reason, reviewer=actor.label)
    try:
        with session.begin_nested():
            if outcome == RELEASED:
                response.status = COUNTED
                session.flush()  # the one-counted-per-device-and-day index decides
                apply_deltas(session, [response_deltas(response, 1)])
            session.add(review)
            session.flush()
    except IntegrityError:
        raise Conflict("another answer from this device already counts for this desk that day") from None
    session.commit()
    return review
