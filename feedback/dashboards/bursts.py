"""A burst of low scores: many citizens unhappy at once (a desk that turned people away this
morning) shows within the hour, long before it moves a week's score or a day's.

A low answer is one whose four ratings average two or less out of five. The read is of the raw
answers (the rollups keep sums, not how many answers were low), bounded to the last hour and to
the days it spans, so it uses the `day` index and the current month's partition only."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from core.dates import tehran_day
from feedback.survey.models import COUNTED, Response

BURST_WINDOW = dt.timedelta(hours=1)
LOW_SUM = 8  # the four ratings together: an average of two out of five or less


@dataclasses.dataclass(frozen=True)
class Burst:
    low: int  # low answers in the window
    total: int  # all counted answers in the window


def count_low_answers(session: Session, where: dict[str, object], now: dt.datetime) -> Burst:
    """The scope's counted answers over the hour before `now`, and how many of them were low.
    `where` maps response columns to a value or a list (`services.response_filter`)."""
    since = now - BURST_WINDOW
    days = sorted({tehran_day(since), tehran_day(now)})
    low = func.coalesce(
        func.sum(case((Response.q1 + Response.q2 + Response.q3 + Response.q4 <= LOW_SUM, 1), else_=0)), 0
    )
    query = select(low, func.count()).where(
        Response.day.in_(days), Response.status == COUNTED, Response.created_at >= since
    )
    for name, value in where.items():
        column = getattr(Response, name)
        query = query.where(column.in_(value) if isinstance(value, list | tuple) else column == value)
    found = session.execute(query).one()
    return Burst(int(found[0]), int(found[1]))
