"""The compliance dashboard as it was before the standings (issue 16), kept as the benchmark's same-run
baseline: every active agency and every snapshot of the day read into Python, filtered and sorted
there, and every row rendered (page) or serialised (API). Mounted on the benchmark's own app only."""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from core.web import get_session
from onboarding.compliance import queries as q
from onboarding.compliance.models import ComplianceSnapshot
from onboarding.compliance.reports import Cell, Dashboard, Filters, MatrixRow, parse_filters
from onboarding.compliance.schemas import STATUS_ORDER


def old_dashboard(session: Any, program_id: int, filters: Filters) -> Dashboard:
    program = q.get_program(session, program_id)
    milestones = list(program.milestones)
    ids = [m.id for m in milestones]
    day = q.latest_snapshot_day(session, ids) if ids else None
    agencies = {a.id: a for a in q.list_agencies(session)}
    parents = {a.parent_id for a in agencies.values() if a.parent_id}
    cells: dict[int, dict[int, Cell]] = {}
    if day is not None:
        for snap in q.list_snapshots_for_day(session, ids, day):
            cells.setdefault(snap.agency_id, {})[snap.milestone_id] = _cell(snap)
    rows = []
    for agency_id, row_cells in cells.items():
        agency = agencies.get(agency_id)
        if agency is None:
            continue
        top = q.top_ancestor(agencies, agency_id)
        ministry = agencies.get(top) if agencies[top].kind == "ministry" else None
        rows.append(MatrixRow(agency, ministry, agency_id in parents, row_cells))
    rows = sorted([r for r in rows if _matches(r, filters)], key=lambda r: r.agency.name_fa)
    summary = {m.id: dict.fromkeys((str(s) for s in STATUS_ORDER), 0) for m in milestones}
    for row in rows:
        for milestone_id, cell in row.cells.items():
            summary[milestone_id][cell.status] += 1
    return Dashboard(
        program=program,
        milestones=milestones,
        day=day,
        rows=rows,
        total=len(rows),
        summary=summary,
        ministries=sorted((a for a in agencies.values() if a.kind == "ministry"), key=lambda a: a.name_fa),
        provinces=sorted({a.province_code for a in agencies.values() if a.province_code}),
        filters=Filters(
            ministry_id=filters.ministry_id,
            province=filters.province,
            sort="name",
            per_page=max(1, len(rows)),
        ),
    )


def _cell(snap: ComplianceSnapshot) -> Cell:
    return Cell(
        snap.status,
        snap.value,
        snap.numerator,
        snap.denominator,
        snap.group_value,
        snap.group_numerator,
        snap.group_denominator,
    )


def _matches(row: MatrixRow, filters: Filters) -> bool:
    if filters.ministry_id is not None and (row.ministry is None or row.ministry.id != filters.ministry_id):
        return False
    return not filters.province or row.agency.province_code == filters.province


def mount(app: Flask) -> None:
    """`/bench/old/<program>/dashboard` (the old page) and `/bench/old/<program>/matrix` (the old JSON)."""
    from portal.auth import roles
    from portal.views.compliance import OVERSIGHT, render_dashboard

    @roles(*OVERSIGHT)
    def page(program_id: int) -> str:
        return render_dashboard(old_dashboard(get_session(), program_id, parse_filters(request.args)))

    @roles(*OVERSIGHT)
    def matrix(program_id: int) -> Any:
        board = old_dashboard(get_session(), program_id, parse_filters(request.args))
        return {
            "day": board.day.isoformat() if board.day else None,
            "summary": {str(k): v for k, v in board.summary.items()},
            "rows": [
                {
                    "agency": {"id": row.agency.id, "code": row.agency.code, "name_fa": row.agency.name_fa},
                    "cells": {str(mid): vars(cell) for mid, cell in row.cells.items()},
                }
                for row in board.rows
            ],
        }

    app.add_url_rule("/bench/old/<int:program_id>/dashboard", "bench_old_page", page)
    app.add_url_rule("/bench/old/<int:program_id>/matrix", "bench_old_matrix", matrix)
