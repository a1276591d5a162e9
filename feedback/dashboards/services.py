"""What a dashboard shows for one scope and period: load → authorise (scope policy) → read rollups.

The same `Dashboard` feeds the page, the live JSON, and the CSV/Excel exports, so an export is
exactly what is on screen.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from contextlib import nullcontext
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
from feedback.rollups.models import DAY_LEVELS, unit_key
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
    ranked: list[Ranked]  # a province's counties, every one with enough responses (listed whole)
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
    previous: queries.Totals | None  # None where no day series tells it (an office): "—"
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
        if self.previous is None:
            return None
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


def _unit_label(key: str, agencies: dict[str, str]) -> str:
    agency, _, unit = key.partition("/")
    return f"{unit} ({agencies.get(agency, agency)})"


def units_of(session: Session, codes: tuple[str, ...], days: int, locale: str) -> list[Ranked]:
    """The units of some agencies (a ministry with its organizations) over the last `days` days."""
    _provinces, _counties, agencies = _names(locale)
    rows = [
        t for code in codes for t in queries.list_totals_by_key(session, UNIT, days, key_prefix=code + "/")
    ]
    return [Ranked(Scope(UNIT, t.key), _unit_label(t.key, agencies), t) for t in rows]


def _sums(t: queries.Totals) -> queries.Sums:
    return (t.count, *t.sums)


Labeller = Callable[[str], str]


def _ranked(
    session: Session, actor_scope: Scope, scope: Scope, days: int, locale: str
) -> tuple[str, list[tuple[str, queries.Sums]], Labeller]:
    """The level ranked under the scope, each of its keys with its period's sums as plain tuples (a
    nation ranks every unit of the country; only the ranks shown become objects), and how a key is
    labelled (asked only of the ranks shown)."""
    _provinces, counties, agencies = _names(locale)

    def unit_label(key: str) -> str:
        return _unit_label(key, agencies)

    if scope.kind == OFFICE:
        province, county = scope.office_place
        totals = queries.list_place_totals(
            session, days, ("agency", "unit"), family(scope.agency_code), province, county
        )
        return UNIT, [(t.key, _sums(t)) for t in totals], unit_label
    if scope.kind == NATION:
        return UNIT, queries.list_period_sums(session, UNIT, days), unit_label
    if scope.kind == AGENCY:  # a ministry with its organizations
        rows = [
            row
            for code in family(scope.value)
            for row in queries.list_period_sums(session, UNIT, days, key_prefix=code + "/")
        ]
        return UNIT, rows, unit_label
    if scope.kind == PROVINCE:
        codes = [c.code for c in reference.counties() if c.province_code == scope.value]
        rows = queries.list_period_sums(session, COUNTY, days, keys=codes)
        return COUNTY, rows, lambda key: counties.get(key, key)
    if scope.kind == UNIT and can_rank_employees(actor_scope, scope):
        agency, _, unit = scope.value.partition("/")
        people = {
            str(e.id): e.full_name
            for e in session.scalars(
                select(Employee).where(Employee.agency_code == agency, Employee.unit == unit)
            )
        }
        rows = queries.list_period_sums(session, EMPLOYEE, days, keys=list(people))
        return EMPLOYEE, rows, people.__getitem__
    return "", [], str


def _rank(
    kind: str, rows: list[tuple[str, queries.Sums]], label: Labeller, min_responses: int
) -> tuple[list[Ranked], list[Ranked], int, list[Ranked]]:
    """Best and worst (score, then label), how many are below the minimum, and (counties only,
    listed whole on the page) every one ranked. Only the keys that can be shown get a label: those
    scoring at least the tenth best or at most the tenth worst (ties at the edges included), so
    their order is the order the whole list sorted by (score, label) gives them."""
    scored = [
        (-(s[1] + s[2] + s[3] + s[4]) / s[0], key, s) for key, s in rows if s[0] >= min_responses and s[0] > 0
    ]
    shown = scored
    if kind != COUNTY and len(scored) > 2 * RANK_SIZE:
        edges = sorted(entry[0] for entry in scored)
        best_edge, worst_edge = edges[RANK_SIZE - 1], edges[-RANK_SIZE]
        shown = [entry for entry in scored if entry[0] <= best_edge or entry[0] >= worst_edge]
    enough = sorted((negative, label(key), key, s) for negative, key, s in shown)

    def ranked(entry: tuple[float, str, str, queries.Sums]) -> Ranked:
        _score, text, key, sums = entry
        return Ranked(Scope(kind, key), text, queries.Totals(key, sums[0], sums[1:]))

    best = [ranked(e) for e in enough[:RANK_SIZE]]
    worst = [ranked(e) for e in reversed(enough[-RANK_SIZE:])]
    listed = [ranked(e) for e in enough] if kind == COUNTY else []
    return best, worst, len(rows) - len(scored), listed


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


def employee_filter(scope: Scope) -> dict[str, object]:
    """The registry columns that select a scope's employees (the same names as the responses')."""
    if scope.kind == EMPLOYEE:
        return {"id": int(scope.value)}
    return response_filter(scope)


def _last_answer(
    session: Session, scope: Scope, trend: list[tuple[dt.date, queries.Totals]]
) -> dt.datetime | None:
    if scope.kind in DAY_LEVELS:
        days = [day for day, totals in trend if totals.count > 0]
        last_day = days[-1] if days else None
    else:  # no day series below: the last day its employees' answers counted on
        last_day = queries.last_counted_day(session, employee_filter(scope))
    at = queries.last_answer_at(session, last_day, response_filter(scope))
    return at.replace(tzinfo=dt.UTC) if at is not None and at.tzinfo is None else at  # SQLite: naive UTC


def scope_daily(
    session: Session, scope: Scope, start: dt.date, end: dt.date
) -> list[tuple[dt.date, queries.Totals]]:
    """A scope's days: the day series of the nation, a province, an agency (a ministry with its
    organizations summed); empty below (a unit, a county, an office: their pages draw no chart)."""
    if scope.kind == AGENCY and len(family(scope.value)) > 1:
        return queries.list_daily_summed(session, AGENCY, family(scope.value), start, end)
    return queries.list_daily(session, scope.kind, scope.key, start, end)


def scope_period_totals(session: Session, scope: Scope, days: int) -> queries.Totals:
    """A scope's totals over the last `days` days (a period of `rollup_periods`): one row, the rows
    of a ministry's family summed, or an office's employees joined to the registry."""
    if scope.kind == AGENCY and len(family(scope.value)) > 1:
        codes = family(scope.value)
        return _summed(scope.key, queries.list_totals_by_key(session, AGENCY, days, keys=codes))
    if scope.kind == OFFICE:
        province, county = scope.office_place
        rows = queries.list_place_totals(session, days, (), family(scope.agency_code), province, county)
        return _summed(scope.key, rows)
    return queries.period_totals(session, scope.kind, scope.key, days)


def _summed(key: str, parts: list[queries.Totals]) -> queries.Totals:
    count = s1 = s2 = s3 = s4 = 0
    for t in parts:  # a plain loop: a league sums every agency's family twice a page
        count += t.count
        s1, s2, s3, s4 = s1 + t.sums[0], s2 + t.sums[1], s3 + t.sums[2], s4 + t.sums[3]
    return queries.Totals(key, count, (s1, s2, s3, s4))


def _by_score(rows: list[Ranked]) -> list[Ranked]:
    return sorted(rows, key=lambda r: (-(r.totals.score or -1), r.label))


def _sections(session: Session, scope: Scope, days: int, locale: str) -> list[tuple[str, list[Ranked]]]:
    """The drill-down of an agency (its organizations and provincial offices) or of an agency's
    provincial office (its county offices); units are the page's ranking."""
    provinces, counties, agencies = _names(locale)
    if scope.kind == AGENCY:
        codes = family(scope.value)
        by_code = {t.key: t for t in queries.list_totals_by_key(session, AGENCY, days, keys=codes)}
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
            for t in queries.list_place_totals(session, days, ("province",), codes)
        ]
        return [("organizations", _by_score(organizations)), ("offices", _by_score(offices))]
    if scope.kind == OFFICE:
        province, county = scope.office_place
        if county:
            return []
        rows = queries.list_place_totals(session, days, ("county",), family(scope.agency_code), province)
        county_offices = [
            Ranked(Scope(OFFICE, f"{scope.value}/{t.key}"), counties.get(t.key, t.key), t) for t in rows
        ]
        return [("county_offices", _by_score(county_offices))]
    return []


def _family_sums(codes: frozenset[str], values: dict[str, queries.Totals], code: str) -> queries.Totals:
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
    """Every agency (or those of one family) with its family's totals, the same-length period before
    (from the agencies' day series; none for the offices in a province, which keep none), and
    coverage; in a province, each agency's office there (linked as `office:AGENCY/PROVINCE`)."""
    _provinces, _counties, names = _names(locale)
    every = codes is None  # every agency: one range of the level, no list of keys to send
    codes = codes or tuple(a.code for a in reference.agencies())
    wanted = frozenset(codes)
    days = (end - start).days + 1
    before_start, before_end = start - dt.timedelta(days=days), start - dt.timedelta(days=1)

    if province:
        rows = queries.list_place_totals(session, days, ("agency",), None if every else codes, province)
    else:
        rows = queries.list_totals_by_key(session, AGENCY, days, keys=codes)
    now = {t.key: t for t in rows}
    before = (
        None
        if province
        else {
            t.key: t
            for t in queries.list_day_sums_by_key(
                session, AGENCY, None if every else codes, before_start, before_end
            )
            if t.key in wanted
        }
    )
    heard, registered = queries.count_heard_and_registered_by_agency(session, days, province)
    known = reference.agencies_by_code()
    return [
        LeagueRow(
            scope=Scope(OFFICE, f"{code}/{province}") if province else Scope(AGENCY, code),
            label=names.get(code, code),
            kind=known[code].kind if code in known else "",
            depth=depth(code),
            totals=_family_sums(wanted, now, code),
            previous=None if before is None else _family_sums(wanted, before, code),
            heard=sum(heard.get(c, 0) for c in family(code) if c in wanted),
            registered=sum(registered.get(c, 0) for c in family(code) if c in wanted),
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
    and the periods advanced to today (before reading), the scope's totals over the period (one
    row) and its days (nation, province and agency scopes)."""
    scope = resolve_scope(session, actor, requested)
    days, start, end = period(days)
    fold_pending(session, end)
    return _read_folded(session, scope, days, start, end)


def _read_folded(session: Session, scope: Scope, days: int, start: dt.date, end: dt.date) -> _ScopeRead:
    trend = scope_daily(session, scope, start, end)
    return _ScopeRead(
        scope,
        days,
        start,
        end,
        trend,
        scope_period_totals(session, scope, days),
        _last_answer(session, scope, trend),
    )


# The period rows a page reads, by its scope: its own, its ranking's, the map's and the league's.
_PAGE_LEVELS = {
    NATION: (NATION, UNIT, PROVINCE, AGENCY),
    PROVINCE: (PROVINCE, COUNTY),
    AGENCY: (AGENCY, UNIT),
}


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
    scope = resolve_scope(session, actor, requested)
    days, start, end = period(days)
    fold_pending(session, end)
    levels = _PAGE_LEVELS.get(scope.kind, ())
    with queries.period_levels_read_once(session, days, levels) if levels else nullcontext():
        return _dashboard(
            session, actor, _read_folded(session, scope, days, start, end), min_responses, locale, sort, order
        )


def _dashboard(
    session: Session,
    actor: Actor | None,
    read: _ScopeRead,
    min_responses: int,
    locale: str,
    sort: str,
    order: str,
) -> Dashboard:
    scope, start, end = read.scope, read.start, read.end
    actor_scope = account_scope(actor)
    assert actor_scope is not None
    kind, rows, label = _ranked(session, actor_scope, scope, read.days, locale)
    best, worst, below_minimum, listed = _rank(kind, rows, label, min_responses)
    provinces: dict[str, queries.Totals] = {}
    if can_see_map(scope):
        keys = [scope.value] if scope.kind == PROVINCE else None
        provinces = {t.key: t for t in queries.list_totals_by_key(session, PROVINCE, read.days, keys=keys)}
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
        below_minimum=below_minimum,
        provinces=provinces,
        ranked=listed,
        questions=[(q.text_fa, q.text_en) for q in list_questions(session)]
        or [(fa, en) for _p, fa, en in DEFAULT_QUESTIONS],
        sections=_sections(session, scope, read.days, locale),
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
