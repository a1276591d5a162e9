"""Missing-code reports as the dashboards see them: each reaches the nation, its province and its
agency (and the ministry above it); unit heads do not handle them. The workflow itself is
`feedback.reports.services`."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from core.actors import Actor
from core.dates import parse_jalali, tehran_today
from core.errors import NotAuthorized, NotFound, ValidationError
from core.text import normalize_fa
from feedback.accounts.models import Account
from feedback.dashboards.hierarchy import family
from feedback.dashboards.policies import can_see_reports, report_in_scope
from feedback.dashboards.scopes import AGENCY, PROVINCE, Scope
from feedback.dashboards.services import account_scope
from feedback.registry.models import Employee
from feedback.reports.models import MissingCodeReport, ReportTransition
from feedback.reports.services import transition_report

PAGE_SIZE = 100


def _scoped(scope: Scope) -> Select[MissingCodeReport]:
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
    session: Session, actor: Actor | None, report_id: int, to_status: str, note: str, duplicate_of: str = ""
) -> MissingCodeReport:
    """A report outside the actor's scope is "not found", as if it did not exist."""
    scope = _scope_or_refuse(actor)
    report = session.get(MissingCodeReport, report_id)
    if report is None or not report_in_scope(scope, report.agency_code, report.province_code):
        raise NotFound("no such report", report_id=report_id)
    assert actor is not None
    return transition_report(session, report_id, to_status, note, actor.label, duplicate_of)


def get_report(session: Session, actor: Actor | None, report_id: int) -> MissingCodeReport:
    """One report for its detail page; outside the actor's scope it is "not found"."""
    scope = _scope_or_refuse(actor)
    report = session.get(MissingCodeReport, report_id)
    if report is None or not report_in_scope(scope, report.agency_code, report.province_code):
        raise NotFound("no such report", report_id=report_id)
    return report


def owner_choices(session: Session) -> list[str]:
    """The accounts a report can be given to: every active account (registry admins, who issue and
    reprint codes, first)."""
    rows = session.execute(
        select(Account.email, Account.role).where(Account.active).order_by(Account.role, Account.email)
    ).all()
    return [email for email, _role in rows]


def assign_report(
    session: Session, actor: Actor | None, report_id: int, owner: str, deadline: str
) -> MissingCodeReport:
    """Give a report an owner (an active account) and a deadline (a Jalali date, not in the past);
    the change is kept in the report's history with who made it."""
    report = get_report(session, actor, report_id)
    assert actor is not None
    owner = (owner or "").strip().lower()
    fields: dict[str, str] = {}
    if not session.scalar(select(Account.id).where(Account.email == owner, Account.active)):
        fields["owner"] = "not an active account"
    try:
        when = parse_jalali(deadline or "")
    except ValueError:
        fields["deadline"] = "a Jalali date like 1405/09/20"
    else:
        if when < tehran_today():
            fields["deadline"] = "in the past"
    if fields:
        raise ValidationError("the assignment has invalid fields", fields=fields)
    report.owner, report.deadline = owner, when
    session.add(
        ReportTransition(
            report_id=report.id,
            from_status=report.status,
            to_status=report.status,
            note=f"owner: {owner}; deadline: {deadline.strip()}",
            actor_label=actor.label[:120],
        )
    )
    session.commit()
    return report


def find_desk(session: Session, report: MissingCodeReport) -> Employee | None:
    """The registry's employee at the reported desk (the named employee of the report's agency in
    its province, and county when given), whose code a registry admin reissues or reprints to
    resolve it; None when the report names nobody or the registry has no such employee (the desk
    is then added by an import, which issues its code)."""
    if not report.employee_name:
        return None
    query = select(Employee).where(
        Employee.agency_code == report.agency_code, Employee.province_code == report.province_code
    )
    if report.county_code:
        query = query.where(Employee.county_code == report.county_code)
    wanted = normalize_fa(report.employee_name)
    if not wanted:
        return None
    query = query.where(Employee.last_name.contains(wanted.split()[-1], autoescape=True))
    for employee in session.scalars(query.order_by(Employee.active.desc(), Employee.id).limit(50)):
        if normalize_fa(f"{employee.first_name} {employee.last_name}") == wanted:
            return employee
    return None
