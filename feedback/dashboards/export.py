"""A dashboard as rows (what is on screen: scope, period, totals, questions, trend, rankings), and
those rows as CSV or Excel. Scores under the minimum count are written as "not enough responses
yet", never as a number, in exports as on the page."""

from __future__ import annotations

from core.spreadsheets import csv_bytes, xlsx_bytes
from feedback.dashboards.queries import Totals
from feedback.dashboards.services import Dashboard

NOT_ENOUGH = "not enough responses yet"
QUESTIONS = ("q1", "q2", "q3", "q4")


def _score(dashboard: Dashboard, totals: Totals) -> str:
    shown = dashboard.shown_score(totals)
    return NOT_ENOUGH if shown is None else f"{shown:.1f}"


def dashboard_rows(dashboard: Dashboard) -> list[list[object]]:
    d = dashboard
    rows: list[list[object]] = [
        ["section", "scope", "label", "day", "count", "score", *(f"{q}_mean" for q in QUESTIONS)],
    ]

    def line(section: str, scope: str, label: str, day: str, totals: Totals) -> list[object]:
        enough = totals.count >= d.min_responses
        means = [f"{m:.2f}" if enough and m is not None else "" for m in totals.question_means()]
        return [section, scope, label, day, totals.count, _score(d, totals), *means]

    rows.append(
        line("total", d.scope.text(), d.label, f"{d.start.isoformat()}..{d.end.isoformat()}", d.totals)
    )
    for day, totals in d.trend:
        rows.append(line("day", d.scope.text(), d.label, day.isoformat(), totals))
    for ranked in d.best:
        rows.append(line("best", ranked.scope.text(), ranked.label, "", ranked.totals))
    for ranked in d.worst:
        rows.append(line("worst", ranked.scope.text(), ranked.label, "", ranked.totals))
    for code, totals in sorted(d.provinces.items()):
        rows.append(line("province", f"province:{code}", code, "", totals))
    for league in d.league:
        rows.append(line("agency", league.scope.text(), league.label, "", league.totals))
    for section, ranked_rows in d.sections:
        for ranked in ranked_rows:
            rows.append(line(section, ranked.scope.text(), ranked.label, "", ranked.totals))
    return rows


def to_csv(rows: list[list[object]]) -> bytes:
    """UTF-8 with a BOM, so Excel opens Persian text right; no cell runs as a formula."""
    return csv_bytes([rows])


def to_xlsx(rows: list[list[object]], title: str = "dashboard") -> bytes:
    return xlsx_bytes(rows, title)
