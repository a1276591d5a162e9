"""Agencies on the dashboards: the national league table (score, answers, change, coverage, sorted),
a ministry's figures rolled up from its organizations, and an agency's drill-down by province,
county and unit, with the minimum count at every level."""

from __future__ import annotations

import datetime as dt

import html5lib
import pytest

from core.dates import tehran_today
from core.errors import ValidationError
from feedback.dashboards.hierarchy import children, depth, family
from feedback.dashboards.queries import Totals
from feedback.dashboards.scopes import Scope, parse_scope
from feedback.dashboards.services import LeagueRow, sort_league
from feedback.rollups.models import rollup_keys
from feedback.rollups.services import apply_deltas
from tests.feedback.agency_helpers import ITO_UNIT, MICT_UNIT, SSO_UNIT, seed_hierarchy
from tests.feedback.dashboard_helpers import viewer_client


def _valid(text: str) -> None:
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)


def _league(page: str) -> str:
    start = page.index('id="league"')
    return page[start : page.index("</table>", start)]


def test_the_hierarchy_follows_the_reference_parents():
    assert "ITO" in children("MICT") and "TIC" in children("MICT")
    assert family("MICT")[0] == "MICT" and set(children("MICT")) <= set(family("MICT"))
    assert family("PRES") > ("PRES",) and "SCI" in family("PRES")  # PRES → PBO → SCI, two levels down
    assert family("ITO") == ("ITO",)
    assert depth("MICT") == 0 and depth("ITO") == 1 and depth("SCI") == 2


def test_office_scopes_are_parsed_and_checked():
    assert parse_scope("office:mict/ir-23").value == "MICT/IR-23"
    assert parse_scope("office:MICT/IR-23/2302").office_place == ("IR-23", "2302")
    for bad, problem in (
        ("office:MICT", "bad office"),
        ("office:NOPE/IR-23", "unknown agency"),
        ("office:MICT/IR-99", "unknown province"),
        ("office:MICT/IR-23/0001", "unknown county"),  # Arak is in Markazi
    ):
        with pytest.raises(ValidationError) as caught:
            parse_scope(bad)
        assert caught.value.fields == {"scope": problem}


def test_the_national_page_leads_with_agencies_ranked_and_ministries_rolled_up(
    feedback_app, feedback_session, tmp_path
):
    seed_hierarchy(feedback_session, tmp_path)
    client = viewer_client(feedback_app, feedback_session, "nation")
    page = client.get("/dashboard").get_data(as_text=True)
    _valid(page)
    assert page.index('id="league"') < page.index('class="questions"')  # the league leads the page
    league = _league(page)
    # ITO: 6×5 + 5×3 over 11 → mean 4.09 → 77.3; MICT adds its own 2×1: 13 answers, mean 3.62 → 65.4
    assert "سازمان فناوری اطلاعات ایران" in league and "۷۷٫۳" in league
    assert "۶۵٫۴" in league and "۱۳" in league
    assert 'href="?scope=agency%3AMICT&amp;days=30"' in league
    # coverage: ITO heard 2 of its 3 registered employees; MICT (with ITO) 3 of 4
    assert "۶۷٪" in league and "(۲ از ۳ کارمند" in league
    assert "۷۵٪" in league
    # the order is by score, highest first; agencies with too few answers come last
    rows = [line for line in league.split("<tr") if "data-agency" in line]
    codes = [line.split('data-agency="')[1].split('"')[0] for line in rows]
    assert codes[:4] == ["ITO", "MICT", "SSO", "MCLS"]  # SSO and its ministry tie: by name
    assert 'aria-sort="descending"' in league


def test_the_league_sorts_by_any_column_both_ways(feedback_app, feedback_session, tmp_path):
    seed_hierarchy(feedback_session, tmp_path)
    client = viewer_client(feedback_app, feedback_session, "nation")
    league = _league(client.get("/dashboard?sort=count&order=asc").get_data(as_text=True))
    codes = [
        line.split('data-agency="')[1].split('"')[0] for line in league.split("<tr") if "data-agency" in line
    ]
    answered = [c for c in codes if c in {"ITO", "MICT", "SSO", "MCLS"}]
    assert answered == ["SSO", "MCLS", "ITO", "MICT"]
    assert 'aria-sort="ascending"' in league
    english = _league(client.get("/dashboard?sort=name&order=asc&lang=en").get_data(as_text=True))
    assert 'aria-sort="ascending"' in english and "Coverage" in english


def test_sorting_keeps_rows_without_a_figure_last():
    def row(code: str, count: int, score_sum: int) -> LeagueRow:
        totals = Totals(code, count, (score_sum,) * 4)
        return LeagueRow(Scope("agency", code), code, "organization", 0, totals, totals, 0, 0, 5)

    rows = [row("A", 5, 25), row("B", 2, 2), row("C", 6, 6)]
    assert [r.label for r in sort_league(rows, "score", "desc")] == ["A", "C", "B"]
    assert [r.label for r in sort_league(rows, "score", "asc")] == ["C", "A", "B"]
    assert [r.label for r in sort_league(rows, "coverage", "desc")] == ["A", "B", "C"]  # none has one
    assert [r.label for r in sort_league(rows, "nonsense", "x")] == ["A", "C", "B"]


def test_the_change_compares_with_the_period_before(feedback_app, feedback_session, tmp_path):
    ids = seed_hierarchy(feedback_session, tmp_path)
    before = tehran_today() - dt.timedelta(days=40)  # in the 30 days before the last 30
    keys = rollup_keys(ids["E000004"], SSO_UNIT, "SSO", "2301", "IR-23")
    apply_deltas(feedback_session, [{(level, key, before): (5, 25, 25, 25, 25) for level, key in keys}])
    feedback_session.commit()
    client = viewer_client(feedback_app, feedback_session, "nation")
    league = _league(client.get("/dashboard").get_data(as_text=True))
    sso = next(line for line in league.split("<tr") if 'data-agency="SSO"' in line)
    assert '<td data-col="trend">-۷۵٫۰</td>' in sso  # 25.0 now against 100.0 before
    ito = next(line for line in league.split("<tr") if 'data-agency="ITO"' in line)
    assert '<td data-col="trend">—</td>' in ito  # nothing before: no change to show
    tehran = viewer_client(feedback_app, feedback_session, "province:IR-23")
    offices = _league(tehran.get("/dashboard").get_data(as_text=True))
    sso_office = next(line for line in offices.split("<tr") if 'data-agency="SSO"' in line)
    assert '<td data-col="trend">—</td>' in sso_office  # an office keeps no day series: no change


def test_a_ministry_drills_down_to_a_provincial_office_a_county_office_and_a_unit(
    feedback_app, feedback_session, tmp_path
):
    seed_hierarchy(feedback_session, tmp_path)
    client = viewer_client(feedback_app, feedback_session, "agency:MICT")
    ministry = client.get("/dashboard").get_data(as_text=True)
    _valid(ministry)
    assert '<strong data-live="count">۱۳</strong>' in ministry  # the ministry with its organizations
    assert 'href="?scope=agency%3AITO&amp;days=30"' in ministry  # an affiliated organization
    assert 'href="?scope=office%3AMICT/IR-23&amp;days=30"' in ministry  # its office in Tehran
    assert "مرکزی" in ministry  # and in Markazi, listed without a score (2 answers)
    rankings = ministry.split('id="rankings"')[1]
    assert ITO_UNIT in rankings and MICT_UNIT not in rankings  # the ministry's own unit has 2 answers

    tehran = client.get("/dashboard?scope=office:MICT/IR-23").get_data(as_text=True)
    _valid(tehran)
    assert '<strong data-live="count">۱۱</strong>' in tehran
    assert 'id="trend"' not in tehran  # an office keeps no day series: no chart, not an empty one
    assert 'id="trend"' in ministry  # an agency's day series is drawn
    assert 'href="?scope=office%3AMICT/IR-23/2302&amp;days=30"' in tehran and "دماوند" in tehran
    damavand = client.get("/dashboard?scope=office:MICT/IR-23/2302").get_data(as_text=True)
    assert '<strong data-live="count">۵</strong>' in damavand and "۵۰٫۰" in damavand
    assert "?scope=unit%3AITO/" in damavand  # the unit, linked
    markazi = client.get("/dashboard?scope=office:MICT/IR-00").get_data(as_text=True)
    assert "هنوز پاسخ کافی نیست" in markazi and '<strong data-live="count">۲</strong>' in markazi

    live = client.get("/dashboard/live.json?scope=office:MICT/IR-23").get_json()
    assert live["count"] == 11
    assert live["last_answer"] is None and live["last_answer_text"] == "—"  # rollups only, no response rows


def test_a_ministry_sees_its_organizations_and_nobody_elses(feedback_app, feedback_session, tmp_path):
    seed_hierarchy(feedback_session, tmp_path)
    ministry = viewer_client(feedback_app, feedback_session, "agency:MICT")
    assert ministry.get("/dashboard?scope=agency:ITO").status_code == 200
    assert ministry.get(f"/dashboard?scope=unit:ITO/{ITO_UNIT}").status_code == 200
    assert ministry.get("/dashboard?scope=agency:SSO").status_code == 404
    assert ministry.get("/dashboard?scope=office:SSO/IR-23").status_code == 404
    organization = viewer_client(feedback_app, feedback_session, "agency:ITO")
    assert organization.get("/dashboard?scope=agency:MICT").status_code == 404
    assert organization.get("/dashboard?scope=office:MICT/IR-23").status_code == 404
    assert organization.get("/dashboard?scope=office:ITO/IR-23").status_code == 200
    province = viewer_client(feedback_app, feedback_session, "province:IR-23")
    page = province.get("/dashboard").get_data(as_text=True)
    league = _league(page)
    assert 'href="?scope=office%3AITO/IR-23&amp;days=30"' in league  # agencies' offices in Tehran
    assert province.get("/dashboard?scope=office:ITO/IR-23").status_code == 200
    assert province.get("/dashboard?scope=office:MICT/IR-00").status_code == 404


def test_the_league_and_drill_down_are_exported_as_shown(feedback_app, feedback_session, tmp_path):
    seed_hierarchy(feedback_session, tmp_path)
    client = viewer_client(feedback_app, feedback_session, "agency:MICT")
    text = client.get("/dashboard/export.csv").get_data().decode("utf-8-sig")
    assert "offices,office:MICT/IR-23" in text and "organizations,agency:ITO" in text
    assert "offices,office:MICT/IR-00,مرکزی,,2,not enough responses yet" in text


def _figures(session) -> tuple[object, ...]:
    from feedback.dashboards import queries
    from feedback.dashboards.services import load_league, period

    _days, start, end = period(30)
    league = {
        r.scope.text(): (r.totals, r.heard, r.registered) for r in load_league(session, start, end, 5, "fa")
    }
    in_tehran = load_league(session, start, end, 5, "fa", province="IR-23")
    return (
        league,
        {r.scope.text(): (r.totals, r.heard, r.registered) for r in in_tehran},
        sorted(
            queries.list_place_totals(session, 30, ("agency", "unit"), family("MICT"), "IR-23"),
            key=str,
        ),
        queries.list_place_totals(session, 30, (), family("MICT"), "IR-23", "2302"),
        queries.list_daily_summed(session, "agency", family("MICT"), start, end),
    )


def test_the_agency_figures_are_the_same_on_sqlite(feedback_session, tmp_path):
    """`make run`'s embedded database reads the same league and offices as PostgreSQL."""
    from core import migrate
    from core.db import make_engine, make_sessionmaker

    (tmp_path / "pg").mkdir()
    seed_hierarchy(feedback_session, tmp_path / "pg")
    on_postgresql = _figures(feedback_session)
    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    migrate.upgrade("feedback", url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        (tmp_path / "sqlite").mkdir()
        seed_hierarchy(session, tmp_path / "sqlite")
        assert _figures(session) == on_postgresql
        assert on_postgresql[0]["agency:MICT"][0].count == 13
    engine.dispose()
