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
from feedback.dashboards.hierarchy import children, depth, family
from feedback.dashboards.policies import can_rank_employees, can_see_map, can_view_scope
from feedback.dashboards.scopes import (
    AGENCY,
    COUNTY,
    EMPLOYEE,
    NATION,
    OFFICE,
    PROVINCE,
    UNIT,
    Scope,
    parse_scope,
)
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
    last_answer: dt.datetime | None

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
    ranked: list[Ranked]
    questions: list[tuple[str, str]]
    # the drill-down below the scope: ("organizations" | "offices" | "county_offices", rows by score)
    sections: list[tuple[str, list[Ranked]]] = dataclasses.field(default_factory=list)
    league: list[LeagueRow] = dataclasses.field(default_factory=list)
    sort: str = "score"
    order: str = "desc"


SORTS = ("name", "score", "count", "trend", "coverage")


@dataclasses.dataclass(frozen=True)
class LeagueRow:
    """One agency in the league table (in a province: its office there), its family summed."""

    scope: Scope
    label: str
    kind: str
    depth: int
    totals: queries.Totals
    previous: queries.Totals
    heard: int
    registered: int
    min_responses: int

    def shown(self, totals: queries.Totals) -> float | None:
        return totals.score if totals.count >= self.min_responses else None

    @property
    def score(self) -> float | None:
        return self.shown(self.totals)

    @property
    def trend(self) -> float | None:
        """Score now minus score in the period before, when both have enough responses."""
        now, before = self.score, self.shown(self.previous)
        return None if now is None or before is None else now - before

    @property
    def coverage(self) -> float | None:
        """Share (0..100) of the registered employees heard at least once in the period."""
        return 100 * self.heard / self.registered if self.registered else None


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
    if scope.kind == OFFICE:
        province, county = scope.office_place
        place = counties.get(county, county) if county else provinces.get(province, province)
        return f"{agencies.get(scope.agency_code, scope.agency_code)} – {place}"
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


def units_of(
    session: Session, codes: tuple[str, ...], start: dt.date, end: dt.date, locale: str
) -> list[Ranked]:
    rows = [
        t
        for code in codes
        for t in queries.list_totals_by_key(session, UNIT, start, end, key_prefix=code + "/")
    ]
    return [Ranked(Scope(UNIT, t.key), scope_label(Scope(UNIT, t.key), "", locale), t) for t in rows]


def _ranked(
    session: Session, actor_scope: Scope, scope: Scope, start: dt.date, end: dt.date, locale: str
) -> tuple[str, list[Ranked]]:
    _provinces, counties, _agencies = _names(locale)
    if scope.kind == OFFICE:
        province, county = scope.office_place
        rows = queries.list_place_totals(
            session, start, end, ("agency", "unit"), family(scope.agency_code), province, county
        )
        return UNIT, [
            Ranked(Scope(UNIT, t.key), scope_label(Scope(UNIT, t.key), "", locale), t) for t in rows
        ]
    if scope.kind == NATION:
        rows = queries.list_totals_by_key(session, UNIT, start, end)
        return UNIT, [
            Ranked(Scope(UNIT, t.key), scope_label(Scope(UNIT, t.key), "", locale), t) for t in rows
        ]
    if scope.kind == PROVINCE:
        codes = [c.code for c in reference.counties() if c.province_code == scope.value]
        rows = queries.list_totals_by_key(session, COUNTY, start, end, keys=codes)
        return COUNTY, [Ranked(Scope(COUNTY, t.key), counties.get(t.key, t.key), t) for t in rows]
    if scope.kind == AGENCY:
        return UNIT, units_of(session, family(scope.value), start, end, locale)
    if scope.kind == UNIT and can_rank_employees(actor_scope, scope):
        agency, _, unit = scope.value.partition("/")
        people = {
            str(e.id): e.full_name
            for e in session.scalars(
                select(Employee).where(Employee.agency_code == agency, Employee.unit == unit)
            )
        }
        rows = queries.list_totals_by_key(session, EMPLOYEE, start, end, keys=list(people))
        return EMPLOYEE, [Ranked(Scope(EMPLOYEE, t.key), people[t.key], t) for t in rows]
    return "", []


@dataclasses.dataclass(frozen=True)
class _ScopeRead:
    scope: Scope
    days: int
    start: dt.date
    end: dt.date
    trend: list[tuple[dt.date, queries.Totals]]
    totals: queries.Totals
    last_answer: dt.datetime | None


def response_filter(scope: Scope) -> dict[str, object]:
    """The response columns that select a scope's answers (for the time of its latest one)."""
    if scope.kind == PROVINCE:
        return {"province_code": scope.value}
    if scope.kind == COUNTY:
        return {"county_code": scope.value}
    if scope.kind == AGENCY:
        return {"agency_code": list(family(scope.value))}
    if scope.kind == UNIT:
        agency, _, unit = scope.value.partition("/")
        return {"agency_code": agency, "unit": unit}
    if scope.kind == EMPLOYEE:
        return {"employee_id": int(scope.value)}
    if scope.kind == OFFICE:
        province, county = scope.office_place
        where: dict[str, object] = {"agency_code": list(family(scope.agency_code)), "province_code": province}
        return where | ({"county_code": county} if county else {})
    return {}


def _last_answer(
    session: Session, scope: Scope, trend: list[tuple[dt.date, queries.Totals]]
) -> dt.datetime | None:
    days = [day for day, totals in trend if totals.count > 0]
    at = queries.last_answer_at(session, days[-1] if days else None, response_filter(scope))
    return at.replace(tzinfo=dt.UTC) if at is not None and at.tzinfo is None else at  # SQLite: naive UTC


def scope_daily(
    session: Session, scope: Scope, start: dt.date, end: dt.date
) -> list[tuple[dt.date, queries.Totals]]:
    """A scope's days: its rollup level, a ministry with its organizations, or an office's employees."""
    if scope.kind == AGENCY and len(family(scope.value)) > 1:
        return queries.list_daily_summed(session, AGENCY, family(scope.value), start, end)
    if scope.kind == OFFICE:
        province, county = scope.office_place
        return queries.list_place_daily(session, start, end, family(scope.agency_code), province, county)
    return queries.list_daily(session, scope.kind, scope.key, start, end)


def _summed(key: str, parts: list[queries.Totals]) -> queries.Totals:
    count = sum(t.count for t in parts)
    sums = tuple(sum(t.sums[q] for t in parts) for q in range(4))
    return queries.Totals(key, count, (sums[0], sums[1], sums[2], sums[3]))


def _by_score(rows: list[Ranked]) -> list[Ranked]:
    return sorted(rows, key=lambda r: (-(r.totals.score or -1), r.label))


def _sections(
    session: Session, scope: Scope, start: dt.date, end: dt.date, locale: str
) -> list[tuple[str, list[Ranked]]]:
    """The drill-down of an agency (its organizations and provincial offices) or of an agency's
    provincial office (its county offices); units are the page's ranking."""
    provinces, counties, agencies = _names(locale)
    if scope.kind == AGENCY:
        codes = family(scope.value)
        by_code = {t.key: t for t in queries.list_totals_by_key(session, AGENCY, start, end, keys=codes)}
        organizations = [
            Ranked(
                Scope(AGENCY, child),
                agencies.get(child, child),
                _summed(child, [by_code[c] for c in family(child) if c in by_code]),
            )
            for child in children(scope.value)
        ]
        offices = [
            Ranked(Scope(OFFICE, f"{scope.value}/{t.key}"), provinces.get(t.key, t.key), t)
            for t in queries.list_place_totals(session, start, end, ("province",), codes)
        ]
        return [("organizations", _by_score(organizations)), ("offices", _by_score(offices))]
    if scope.kind == OFFICE:
        province, county = scope.office_place
        if county:
            return []
        rows = queries.list_place_totals(
            session, start, end, ("county",), family(scope.agency_code), province
        )
        county_offices = [
            Ranked(Scope(OFFICE, f"{scope.value}/{t.key}"), counties.get(t.key, t.key), t) for t in rows
        ]
        return [("county_offices", _by_score(county_offices))]
    return []


def _family_sums(codes: tuple[str, ...], values: dict[str, queries.Totals], code: str) -> queries.Totals:
    return _summed(code, [values[c] for c in family(code) if c in values and c in codes])


def load_league(
    session: Session,
    start: dt.date,
    end: dt.date,
    min_responses: int,
    locale: str,
    province: str = "",
    codes: tuple[str, ...] | None = None,
) -> list[LeagueRow]:
    """Every agency (or those of one family) with its family's totals, the same-length period before,
    and coverage; in a province, each agency's office there (linked as `office:AGENCY/PROVINCE`)."""
    _provinces, _counties, names = _names(locale)
    codes = codes or tuple(a.code for a in reference.agencies())
    days = (end - start).days + 1
    before_start, before_end = start - dt.timedelta(days=days), start - dt.timedelta(days=1)

    def totals(first: dt.date, last: dt.date) -> dict[str, queries.Totals]:
        if province:
            rows = queries.list_place_totals(session, first, last, ("agency",), codes, province)
        else:
            rows = queries.list_totals_by_key(session, AGENCY, first, last, keys=codes)
        return {t.key: t for t in rows}

    now, before = totals(start, end), totals(before_start, before_end)
    heard = queries.count_heard_by_agency(session, start, end, province)
    registered = queries.count_registered_by_agency(session, province)
    known = reference.agencies_by_code()
    return [
        LeagueRow(
            scope=Scope(OFFICE, f"{code}/{province}") if province else Scope(AGENCY, code),
            label=names.get(code, code),
            kind=known[code].kind if code in known else "",
            depth=depth(code),
            totals=_family_sums(codes, now, code),
            previous=_family_sums(codes, before, code),
            heard=sum(heard.get(c, 0) for c in family(code) if c in codes),
            registered=sum(registered.get(c, 0) for c in family(code) if c in codes),
            min_responses=min_responses,
        )
        for code in codes
    ]


def sort_league(rows: list[LeagueRow], sort: str, order: str) -> list[LeagueRow]:
    """By a column, highest first or lowest first; rows with no figure for it always come last."""
    sort = sort if sort in SORTS else "score"
    descending = order != "asc"
    if sort == "name":
        return sorted(rows, key=lambda r: r.label, reverse=descending)
    value = {
        "score": lambda r: r.score,
        "count": lambda r: r.totals.count,
        "trend": lambda r: r.trend,
        "coverage": lambda r: r.coverage,
    }[sort]
    present = [r for r in rows if value(r) is not None]
    missing = sorted((r for r in rows if value(r) is None), key=lambda r: r.label)
    present.sort(key=lambda r: r.label)
    present.sort(key=value, reverse=descending)
    return present + missing


def _read_scope(session: Session, actor: Actor | None, requested: str, days: int) -> _ScopeRead:
    """What the page and its live poll share: the scope checked, the period, pending rollups folded
    (before reading), the scope's days and their totals."""
    scope = resolve_scope(session, actor, requested)
    days, start, end = period(days)
    fold_pending(session)
    trend = scope_daily(session, scope, start, end)
    return _ScopeRead(
        scope,
        days,
        start,
        end,
        trend,
        queries.sum_days(scope.key, trend),
        _last_answer(session, scope, trend),
    )


def load_dashboard(
    session: Session,
    actor: Actor | None,
    requested: str,
    days: int,
    min_responses: int,
    locale: str = "fa",
    sort: str = "score",
    order: str = "desc",
) -> Dashboard:
    read = _read_scope(session, actor, requested, days)
    scope, start, end = read.scope, read.start, read.end
    actor_scope = account_scope(actor)
    assert actor_scope is not None
    kind, ranked = _ranked(session, actor_scope, scope, start, end, locale)
    enough = [r for r in ranked if r.totals.count >= min_responses]
    enough.sort(key=lambda r: (-(r.totals.score or 0), r.label))
    best = enough[:RANK_SIZE]
    worst = list(reversed(enough))[:RANK_SIZE]
    provinces: dict[str, queries.Totals] = {}
    if can_see_map(scope):
        keys = [scope.value] if scope.kind == PROVINCE else None
        provinces = {t.key: t for t in queries.list_totals_by_key(session, PROVINCE, start, end, keys=keys)}
    league: list[LeagueRow] = []
    if scope.kind in (NATION, PROVINCE):
        province = scope.value if scope.kind == PROVINCE else ""
        league = sort_league(load_league(session, start, end, min_responses, locale, province), sort, order)
    return Dashboard(
        min_responses=min_responses,
        totals=read.totals,
        trend=read.trend,
        last_answer=read.last_answer,
        scope=scope,
        label=scope_label(scope, _employee_name(session, scope), locale),
        days=read.days,
        start=start,
        end=end,
        ranking_kind=kind,
        best=best,
        worst=worst,
        below_minimum=len(ranked) - len(enough),
        provinces=provinces,
        ranked=enough,
        questions=[(q.text_fa, q.text_en) for q in list_questions(session)]
        or [(fa, en) for _p, fa, en in DEFAULT_QUESTIONS],
        sections=_sections(session, scope, start, end, locale),
        league=league,
        sort=sort if sort in SORTS else "score",
        order="asc" if order == "asc" else "desc",
    )


def load_live(session: Session, actor: Actor | None, requested: str, days: int, min_responses: int) -> Live:
    """The polled part of a dashboard alone: the same scope check and period, one range read (no
    rankings, map or questions, which the page does not refresh)."""
    read = _read_scope(session, actor, requested, days)
    return Live(min_responses, read.totals, read.trend, read.last_answer)


def _employee_name(session: Session, scope: Scope) -> str:
    if scope.kind != EMPLOYEE:
        return ""
    employee = session.get(Employee, int(scope.value))
    return employee.full_name if employee else ""
