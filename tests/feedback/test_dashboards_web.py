"""Dashboard pages: numbers from the rollups, the minimum count, rankings, map and exports."""

from __future__ import annotations

import io

import html5lib
import pytest
from openpyxl import load_workbook

from tests.feedback.dashboard_helpers import UNIT, add_responses, viewer_client


def _valid(text: str) -> None:
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(text)


def test_the_national_dashboard_shows_score_count_questions_map_and_rankings(feedback_app, feedback_session):
    add_responses(feedback_session, 1, (5, 5, 5, 5), 6)
    add_responses(feedback_session, 2, (1, 1, 1, 1), 2, unit="اداره مالی", province="IR-00", county="0001")
    client = viewer_client(feedback_app, feedback_session, "nation")
    response = client.get("/dashboard")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    _valid(page)
    assert 'dir="rtl"' in page and "ایران" in page
    assert "۸" in page  # 8 responses, in Persian digits
    # 6×5 + 2×1 over 8: mean 4 → 75.0
    assert "۷۵٫۰" in page or "۷۵.۰" in page
    assert "پرسش ۱" in page or "رضایت از کیفیت انجام کار" in page
    assert 'class="province band-4"' in page  # Tehran: 6 responses, all 5s → 100
    assert 'class="province band-none"' in page  # Markazi has 2 (< 5): not coloured
    assert "https://www.openstreetmap.org/copyright" in page and "© OpenStreetMap contributors" in page
    assert 'href="?scope=unit%3AITO/%D8%A7' in page  # the best unit, linked for drill-down
    assert "<script>" not in page and "style=" not in page


def test_a_score_under_the_minimum_is_never_a_number(feedback_app, feedback_session):
    add_responses(feedback_session, 1, (1, 1, 1, 1), 4)
    client = viewer_client(feedback_app, feedback_session, f"unit:ITO/{UNIT}")
    page = client.get("/dashboard").get_data(as_text=True)
    assert "هنوز پاسخ کافی نیست" in page
    assert "۰٫۰" not in page and "۰.۰" not in page
    live = client.get("/dashboard/live.json").get_json()
    assert live["count"] == 4 and live["score_text"] == "هنوز پاسخ کافی نیست"
    assert live["scores"] == []  # a unit keeps no day series: its page draws no chart
    english = client.get("/dashboard/live.json?lang=en").get_json()
    assert english["score_text"] == "not enough responses yet"


def test_a_province_drills_down_to_its_counties(feedback_app, feedback_session):
    add_responses(feedback_session, 1, (5, 4, 5, 4), 5, county="2301")
    add_responses(feedback_session, 2, (3, 3, 3, 3), 5, county="2302")
    client = viewer_client(feedback_app, feedback_session, "province:IR-23")
    page = client.get("/dashboard").get_data(as_text=True)
    _valid(page)
    assert "دماوند" in page and "<meter" in page
    assert client.get("/dashboard?scope=county:2302").status_code == 200


def test_employees_are_ranked_for_their_units_head_only(feedback_app, feedback_session, tmp_path):
    from tests.feedback.helpers import employee_row, seed_employees

    seed_employees(
        feedback_session, tmp_path, [employee_row(1, agency_code="ITO", unit=UNIT, last_name="کاظمی")]
    )
    from sqlalchemy import select

    from feedback.registry.models import Employee

    employee = feedback_session.scalar(select(Employee))
    add_responses(feedback_session, employee.id, (4, 4, 4, 4), 5)
    head = viewer_client(feedback_app, feedback_session, f"unit:ITO/{UNIT}")
    assert "کاظمی" in head.get("/dashboard").get_data(as_text=True)
    agency = viewer_client(feedback_app, feedback_session, "agency:ITO")
    unit_page = agency.get(f"/dashboard?scope=unit:ITO/{UNIT}").get_data(as_text=True)
    assert "کاظمی" not in unit_page


def test_exports_hold_what_is_on_screen(feedback_app, feedback_session):
    add_responses(feedback_session, 1, (5, 5, 5, 5), 5)
    add_responses(feedback_session, 2, (2, 2, 2, 2), 1, unit="اداره مالی")
    client = viewer_client(feedback_app, feedback_session, "agency:ITO")
    csv_text = client.get("/dashboard/export.csv?days=7").get_data().decode("utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[0].startswith("section,scope,label,day,count,score")
    assert lines[1].startswith("total,agency:ITO,") and ",6," in lines[1]
    assert any(line.startswith(f"best,unit:ITO/{UNIT},") and ",100.0," in line for line in lines)
    assert not any(
        "اداره مالی" in line and line.startswith("best") for line in lines
    )  # 1 response: not ranked
    workbook = load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx?days=7").data))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[1][0] == "total" and rows[1][4] == 6


def test_english_dashboards_name_places_and_agencies_in_english(feedback_app, feedback_session):
    """Provinces, counties and agencies come from the reference lists in both languages; units keep
    the names the registry gave them."""
    add_responses(feedback_session, 1, (5, 4, 5, 4), 5, county="2301")
    add_responses(feedback_session, 2, (3, 3, 3, 3), 5, county="2302")
    nation = viewer_client(feedback_app, feedback_session, "nation")
    english = nation.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Iran" in english and f"{UNIT} (Information Technology Organization" in english
    assert "ایران" not in english and "سازمان فناوری اطلاعات" not in english
    province = viewer_client(feedback_app, feedback_session, "province:IR-23")
    counties = province.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Damavand" in counties and "دماوند" not in counties
    assert "دماوند" in province.get("/dashboard?lang=fa").get_data(as_text=True)


def test_exports_never_hold_a_formula(feedback_app, feedback_session):
    """A unit's name comes from an uploaded registry: `=...` there must not run in the exported sheet."""
    hostile = "=cmd|' /C calc'!A0"
    add_responses(feedback_session, 1, (5, 5, 5, 5), 5, unit=hostile)
    client = viewer_client(feedback_app, feedback_session, "agency:ITO")
    csv_text = client.get("/dashboard/export.csv?days=7").get_data().decode("utf-8-sig")
    assert f"'{hostile} (" in csv_text  # the unit's label, with its agency
    assert not any(cell.startswith("=") for line in csv_text.splitlines() for cell in line.split(","))
    workbook = load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx?days=7").data))
    cells = [cell for row in workbook.active.iter_rows() for cell in row]
    assert any(str(cell.value).startswith(hostile) for cell in cells)  # the label, kept as written
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]


@pytest.mark.parametrize("in_database", [True, False], ids=["feedback_submit", "python_steps"])
def test_a_unit_page_has_no_chart_and_its_last_answer_comes_from_its_employees(
    feedback_app, feedback_session, tmp_path, in_database
):
    """A unit keeps no day series: the time of its last answer is found on the last day its
    employees' answers counted (`rollup_totals.last_day`), and the page draws no chart."""
    from feedback.survey.services import submit_response
    from tests.feedback.helpers import code_of, employee_row, seed_employees
    from tests.feedback.survey_helpers import submission

    seed_employees(feedback_session, tmp_path, [employee_row(1)])
    submit_response(
        feedback_session, submission(code_of(feedback_session, "E000001")), in_database=in_database
    )
    client = viewer_client(feedback_app, feedback_session, "unit:MCTH/اداره کل فناوری")
    live = client.get("/dashboard/live.json").get_json()
    assert live["count"] == 1 and live["scores"] == []
    assert live["last_answer"] is not None and live["last_answer_text"] != "—"
    page = client.get("/dashboard").get_data(as_text=True)
    assert 'id="trend"' not in page and 'data-live="count"' in page
