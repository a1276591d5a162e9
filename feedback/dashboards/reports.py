"""Missing-code reports as the dashboards see them: each reaches the nation, its province and its
agency (and the ministry above it); unit heads do not handle them. The workflow itself is
`feedback.reports.services`."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actors import Actor
from core.errors import NotAuthorized, NotFound
from feedback.dashboards.hierarchy import family
from feedback.dashboards.policies import can_see_reports, report_in_scope
from feedback.dashboards.scopes import AGENCY, PROVINCE, Scope
from feedback.dashboards.services import account_scope
from feedback.reports.models import MissingCodeReport
from feedback.reports.services import transition_report

PAGE_SIZE = 100


def _scoped(scope: Scope):  # type: ignore[no-untyped-def]
    query = select(MissingCodeReport)
    if scope.kind == PROVINCE:
        query = query.where(MissingCodeReport.province_code == scope.value)
    elif scope.kind == AGENCY:
        query = query.where(MissingCodeReport.agency_code.in_(family(scope.value)))
    return query


def _scope_or_refuse(actor: Actor | None) -> Scope:
    scope = account_scope(actor)
    if scope is None or not can_see_reports(scope):
        raise NotAuthorized("missing-code reports reach the nation, provinces and agencies")
    return scope


def list_reports(session: Session, actor: Actor | None, status: str = "") -> list[MissingCodeReport]:
    query = _scoped(_scope_or_refuse(actor))
    if status:
        query = query.where(MissingCodeReport.status == status)
    return list(session.scalars(query.order_by(MissingCodeReport.id.desc()).limit(PAGE_SIZE)))


def count_reports_by_agency_and_status(session: Session, actor: Actor | None) -> dict[str, dict[str, int]]:
    """agency code → status → count, within the actor's scope."""
    scope = _scope_or_refuse(actor)
    sub = _scoped(scope).subquery()
    rows = session.execute(
        select(sub.c.agency_code, sub.c.status, func.count()).group_by(sub.c.agency_code, sub.c.status)
    )
    counts: dict[str, dict[str, int]] = {}
    for agency, status, n in rows:
        counts.setdefault(agency, {})[status] = n
    return counts


def change_report_status(
    session: Session, actor: Actor | None, report_id: int, to_status: str, note: str
) -> MissingCodeReport:
    """A report outside the actor's scope is "not found", as if it did not exist."""
    scope = _scope_or_refuse(actor)
    report = session.get(MissingCodeReport, report_id)
    if report is None or not report_in_scope(scope, report.agency_code, report.province_code):
        raise NotFound("no such report", report_id=report_id)
    assert actor is not None
    return transition_report(session, report_id, to_status, note, actor.label)
