"""What a dashboard shows for one scope and period: load → authorise (scope policy) → read rollups.

The same `Dashboard` feeds the page, the live JSON, and the CSV/Excel exports, so an export is
exactly what is on screen.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import reference
from core.actors import Actor
from core.dates import tehran_today
from core.errors import NotAuthorized, NotFound, ValidationError
from feedback.accounts.models import VIEWER
from feedback.dashboards import queries
from feedback.dashboards.policies import can_rank_employees, can_see_map, can_view_scope
from feedback.dashboards.scopes import AGENCY, COUNTY, EMPLOYEE, NATION, PROVINCE, UNIT, Scope, parse_scope
from feedback.registry.models import Employee
from feedback.rollups.models import unit_key
from feedback.rollups.services import fold_pending
from feedback.survey.questions import DEFAULT_QUESTIONS, list_questions

PERIODS = (7, 30, 90, 365)
DEFAULT_PERIOD = 30
RANK_SIZE = 10


@dataclasses.dataclass(frozen=True)
class Ranked:
    scope: Scope
    label: str
    totals: queries.Totals


@dataclasses.dataclass(frozen=True)
class Live:
    """What an open dashboard polls for every two seconds: its scope's totals and trend."""

    min_responses: int
    totals: queries.Totals
    trend: list[tuple[dt.date, queries.Totals]]

    def shown_score(self, totals: queries.Totals) -> float | None:
        """None ("not enough responses yet") below the minimum: one visitor brands no one."""
        return totals.score if totals.count >= self.min_responses else None


@dataclasses.dataclass(frozen=True)
class Dashboard(Live):
    scope: Scope
    label: str
    days: int
    start: dt.date
    end: dt.date
    ranking_kind: str
    best: list[Ranked]
    worst: list[Ranked]
    below_minimum: int
    provinces: dict[str, queries.Totals]
    ranked: list[Ranked]  # a province's counties, every one with enough responses (listed whole)
    questions: list[tuple[str, str]]


def account_scope(actor: Actor | None) -> Scope | None:
    if actor is None or actor.role != VIEWER or not actor.scope_kind:
        return None
    return Scope(actor.scope_kind, actor.scope_value)


def period(days: int, end: dt.date | None = None) -> tuple[int, dt.date, dt.date]:
    days = days if days in PERIODS else DEFAULT_PERIOD
    end = end or tehran_today()
    return days, end - dt.timedelta(days=days - 1), end


@cache
def _names(locale: str = "fa") -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Province, county and agency names in the visitor's language (the reference lists carry both;
    an English name missing from them falls back to the Persian one)."""
    english = locale == "en"
    provinces = {p.code: (english and p.name_en) or p.name_fa for p in reference.provinces()}
    counties = {c.code: (english and c.name_en) or c.name_fa for c in reference.counties()}
    agencies = {a.code: (english and a.name_en) or a.name_fa for a in reference.agencies()}
    return provinces, counties, agencies


def scope_label(scope: Scope, employee_name: str = "", locale: str = "fa") -> str:
    """What a scope is called on the page. Units and people keep the names the registry gave them."""
    provinces, counties, agencies = _names(locale)
    if scope.kind == NATION:
        return "Iran" if locale == "en" else "ایران"
    if scope.kind == PROVINCE:
        return provinces.get(scope.value, scope.value)
    if scope.kind == COUNTY:
        return counties.get(scope.value, scope.value)
    if scope.kind == AGENCY:
        return agencies.get(scope.value, scope.value)
    if scope.kind == UNIT:
        agency, _, unit = scope.value.partition("/")
        return f"{unit} ({agencies.get(agency, agency)})"
    return employee_name or scope.value


def resolve_scope(session: Session, actor: Actor | None, requested_text: str) -> Scope:
    """The requested scope if the actor may see it; an unknown or foreign scope is "not found"
    (a 404, so a province cannot probe which agencies or units exist)."""
    account = account_scope(actor)
    if account is None:
        raise NotAuthorized("dashboards are for dashboard accounts")
    if not requested_text:
        return account
    try:
        requested = parse_scope(requested_text)
    except ValidationError:
        raise NotFound("no such scope") from None
    unit = ""
    if requested.kind == EMPLOYEE:
        employee = session.get(Employee, int(requested.value))
        unit = unit_key(employee.agency_code, employee.unit) if employee else ""
    if not can_view_scope(account, requested, unit):
        raise NotFound("no such scope")
    return requested


def _unit_label(key: str, agencies: dict[str, str]) -> str:
    agency, _, unit = key.partition("/")
    return f"{unit} ({agencies.get(agency, agency)})"


def _ranked(
    session: Session, actor_scope: Scope, scope: Scope, days: int, locale: str
) -> tuple[str, list[tuple[str, str, queries.Sums]]]:
    """The level ranked under the scope, and each of its keys with a label and its period's sums:
    plain tuples (a nation ranks every unit of the country; only the ranks shown become objects)."""
    _provinces, counties, agencies = _names(locale)
    if scope.kind in (NATION, AGENCY):
        prefix = "" if scope.kind == NATION else scope.value + "/"
        rows = queries.list_period_sums(session, UNIT, days, key_prefix=prefix)
        return UNIT, [(key, _unit_label(key, agencies), sums) for key, sums in rows]
    if scope.kind == PROVINCE:
        codes = [c.code for c in reference.counties() if c.province_code == scope.value]
        rows = queries.list_period_sums(session, COUNTY, days, keys=codes)
        return COUNTY, [(key, counties.get(key, key), sums) for key, sums in rows]
    if scope.kind == UNIT and can_rank_employees(actor_scope, scope):
        agency, _, unit = scope.value.partition("/")
        people = {
            str(e.id): e.full_name
            for e in session.scalars(
                select(Employee).where(Employee.agency_code == agency, Employee.unit == unit)
            )
        }
        rows = queries.list_period_sums(session, EMPLOYEE, days, keys=list(people))
        return EMPLOYEE, [(key, people[key], sums) for key, sums in rows]
    return "", []


def _rank(
    kind: str, rows: list[tuple[str, str, queries.Sums]], min_responses: int
) -> tuple[list[Ranked], list[Ranked], int, list[Ranked]]:
    """Best and worst (score, then label), how many are below the minimum, and (counties only,
    listed whole on the page) every one ranked."""
    enough = sorted(
        (-(sum(sums[1:]) / sums[0]), label, key, sums)
        for key, label, sums in rows
        if sums[0] >= min_responses and sums[0] > 0
    )

    def ranked(entry: tuple[float, str, str, queries.Sums]) -> Ranked:
        _score, label, key, sums = entry
        return Ranked(Scope(kind, key), label, queries.Totals(key, sums[0], sums[1:]))

    best = [ranked(e) for e in enough[:RANK_SIZE]]
    worst = [ranked(e) for e in reversed(enough[-RANK_SIZE:])]
    listed = [ranked(e) for e in enough] if kind == COUNTY else []
    return best, worst, len(rows) - len(enough), listed


@dataclasses.dataclass(frozen=True)
class _ScopeRead:
    scope: Scope
    days: int
    start: dt.date
    end: dt.date
    trend: list[tuple[dt.date, queries.Totals]]
    totals: queries.Totals


def _read_scope(session: Session, actor: Actor | None, requested: str, days: int) -> _ScopeRead:
    """What the page and its live poll share: the scope checked, the period, pending rollups folded
    and the periods advanced to today (before reading), the scope's totals over the period (one
    row) and its days (nation, province and agency scopes)."""
    scope = resolve_scope(session, actor, requested)
    days, start, end = period(days)
    fold_pending(session, end)
    trend = queries.list_daily(session, scope.kind, scope.key, start, end)
    totals = queries.period_totals(session, scope.kind, scope.key, days)
    return _ScopeRead(scope, days, start, end, trend, totals)


def load_dashboard(
    session: Session,
    actor: Actor | None,
    requested: str,
    days: int,
    min_responses: int,
    locale: str = "fa",
) -> Dashboard:
    read = _read_scope(session, actor, requested, days)
    scope, start, end = read.scope, read.start, read.end
    actor_scope = account_scope(actor)
    assert actor_scope is not None
    kind, rows = _ranked(session, actor_scope, scope, read.days, locale)
    best, worst, below_minimum, listed = _rank(kind, rows, min_responses)
    provinces: dict[str, queries.Totals] = {}
    if can_see_map(scope):
        keys = [scope.value] if scope.kind == PROVINCE else None
        provinces = {t.key: t for t in queries.list_totals_by_key(session, PROVINCE, read.days, keys=keys)}
    return Dashboard(
        min_responses=min_responses,
        totals=read.totals,
        trend=read.trend,
        scope=scope,
        label=scope_label(scope, _employee_name(session, scope), locale),
        days=read.days,
        start=start,
        end=end,
        ranking_kind=kind,
        best=best,
        worst=worst,
        below_minimum=below_minimum,
        provinces=provinces,
        ranked=listed,
        questions=[(q.text_fa, q.text_en) for q in list_questions(session)]
        or [(fa, en) for _p, fa, en in DEFAULT_QUESTIONS],
    )


def load_live(session: Session, actor: Actor | None, requested: str, days: int, min_responses: int) -> Live:
    """The polled part of a dashboard alone: the same scope check and period, one range read (no
    rankings, map or questions, which the page does not refresh)."""
    read = _read_scope(session, actor, requested, days)
    return Live(min_responses, read.totals, read.trend)


def _employee_name(session: Session, scope: Scope) -> str:
    if scope.kind != EMPLOYEE:
        return ""
    employee = session.get(Employee, int(scope.value))
    return employee.full_name if employee else ""
