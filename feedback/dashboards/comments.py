"""Citizens' free-text comments for the people who act on them: the unit, its agency (and the
ministry above it), the province and the nation, each within its own scope (the same rules as the
dashboards, `policies.can_view_scope`). Personal data a citizen may type (national codes, phone
numbers, e-mail addresses) is masked here, before any page or export sees the text; the raw text
never leaves this module. Never on a public page: only the signed-in dashboard routes call it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import reference
from core.actors import Actor
from feedback.dashboards.policies import can_rank_employees
from feedback.dashboards.scopes import Scope
from feedback.dashboards.services import account_scope, period, resolve_scope, response_filter
from feedback.registry.models import Employee
from feedback.rollups.scores import score
from feedback.survey.models import COUNTED, Response

PAGE_SIZE = 200
MASK = "***"
# A per-answer score band by the sum of its four answers (each 1..5): low below 40, high 75 and above.
BANDS = {"low": (4, 10), "mid": (11, 15), "high": (16, 20)}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# seven or more digits in any script, possibly split by spaces, dashes, dots or slashes, with an
# optional leading +: national codes (10), mobiles (09… or +98 9…), landlines, card numbers
_DIGIT = r"[0-9\u06f0-\u06f9\u0660-\u0669]"
_NUMBER = re.compile(rf"\+?{_DIGIT}(?:[\s\-./]*{_DIGIT}){{6,}}")


def mask_personal(text: str) -> str:
    """The comment with e-mail addresses and long numbers replaced by ***."""
    return _NUMBER.sub(MASK, _EMAIL.sub(MASK, text))


@dataclasses.dataclass(frozen=True)
class Comment:
    id: int
    created_at: dt.datetime
    score: float
    text: str
    unit: str
    agency_code: str
    province_code: str
    county_code: str
    employee: str  # the desk's name for the unit's own head only, else ""


@dataclasses.dataclass(frozen=True)
class CommentList:
    scope: Scope
    days: int
    start: dt.date
    end: dt.date
    band: str
    province: str
    comments: list[Comment]


def list_comments(
    session: Session,
    actor: Actor | None,
    requested: str,
    days: int,
    band: str = "",
    province: str = "",
) -> CommentList:
    """The newest counted answers with a comment in the scope and period, filtered by score band and
    province; an unknown band or province is no filter."""
    scope = resolve_scope(session, actor, requested)
    days, start, end = period(days)
    band = band if band in BANDS else ""
    province = province if province in reference.provinces_by_code() else ""
    query = select(Response).where(
        Response.status == COUNTED,
        Response.comment.is_not(None),
        Response.comment != "",
        Response.day.between(start, end),
    )
    for name, value in response_filter(scope).items():
        column = getattr(Response, name)
        query = query.where(column.in_(value) if isinstance(value, list) else column == value)
    if province:
        query = query.where(Response.province_code == province)
    if band:
        low, high = BANDS[band]
        total = Response.q1 + Response.q2 + Response.q3 + Response.q4
        query = query.where(total.between(low, high))
    rows = list(session.scalars(query.order_by(Response.id.desc()).limit(PAGE_SIZE)))
    names: dict[int, str] = {}
    account = account_scope(actor)
    if account is not None and can_rank_employees(account, account):  # a unit's own head
        ids = {r.employee_id for r in rows}
        names = {e.id: e.desk_name for e in session.scalars(select(Employee).where(Employee.id.in_(ids)))}
    comments = [
        Comment(
            id=r.id,
            created_at=r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=dt.UTC),
            score=score(1, (r.q1, r.q2, r.q3, r.q4)) or 0.0,
            text=mask_personal(r.comment or ""),
            unit=r.unit,
            agency_code=r.agency_code,
            province_code=r.province_code,
            county_code=r.county_code,
            employee=names.get(r.employee_id, ""),
        )
        for r in rows
    ]
    return CommentList(scope, days, start, end, band, province, comments)


def comment_rows(listing: CommentList, locale: str = "fa") -> list[list[object]]:
    """What the page shows, as spreadsheet rows (masked text, no ids of people)."""
    agencies = {a.code: (locale == "en" and a.name_en) or a.name_fa for a in reference.agencies()}
    rows: list[list[object]] = [["time", "score", "agency", "unit", "province", "county", "comment"]]
    for c in listing.comments:
        rows.append(
            [
                c.created_at.isoformat(timespec="seconds"),
                f"{c.score:.1f}",
                agencies.get(c.agency_code, c.agency_code),
                c.unit,
                c.province_code,
                c.county_code,
                c.text,
            ]
        )
    return rows
