"""Missing-code reports on the dashboard, the viewers' admin page and CLI, and the public
transparency page."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from core.db import make_sessionmaker
from feedback.accounts.models import Account
from feedback.reports.models import MissingCodeReport
from portal.cli import main
from tests.feedback.dashboard_helpers import UNIT, add_report, add_responses, viewer_client
from tests.feedback.helpers import cli_env, employee_row, seed_employees
from tests.fixtures.feedback import csrf_token


def test_a_province_sees_its_reports_and_moves_them_to_resolved(feedback_app, feedback_session):
    mine = add_report(feedback_session, "سازمان تأمین اجتماعی", "IR-23")
    add_report(feedback_session, "سازمان تأمین اجتماعی", "IR-00")
    client = viewer_client(feedback_app, feedback_session, "province:IR-23")
    page = client.get("/dashboard/reports").text
    assert page.count("data-report=") == 1 and f'data-report="{mine.id}"' in page
    assert "سازمان تأمین اجتماعی" in page
    token = csrf_token(page)
    url = f"/dashboard/reports/{mine.id}/status"
    client.post(url, data={"csrf_token": token, "status": "verified", "note": ""})
    no_note = client.post(url, data={"csrf_token": token, "status": "resolved", "note": ""})
    assert (
        no_note.status_code == 302
        and "دلیلی حداکثر ۱۰۰۰ نویسه‌ای لازم است" in client.get("/dashboard/reports").text
    )
    client.post(url, data={"csrf_token": token, "status": "resolved", "note": "کد نصب شد"})
    feedback_session.expire_all()
    report = feedback_session.get(MissingCodeReport, mine.id)
    assert report.status == "resolved"
    assert [t.to_status for t in report.history][-2:] == ["verified", "resolved"]
    assert (
        report.history[-1].note == "کد نصب شد"
        and report.history[-1].actor_label == "province-ir-23@viewer.example.ir"
    )
    assert client.post(url, data={"csrf_token": token, "status": "verified", "note": ""}).status_code == 302
    assert "پیش‌تر تغییر کرده" in client.get("/dashboard/reports").text


def test_report_counts_per_agency_within_the_scope(feedback_app, feedback_session):
    add_report(feedback_session, "سازمان تأمین اجتماعی", "IR-23")
    add_report(feedback_session, "سازمان تأمین اجتماعی", "IR-23")
    add_report(feedback_session, "سازمان فناوری اطلاعات ایران", "IR-00")
    nation = viewer_client(feedback_app, feedback_session, "nation").get("/dashboard/reports").text
    assert "سازمان فناوری اطلاعات ایران" in nation and "<td>۲</td>" in nation
    agency = viewer_client(feedback_app, feedback_session, "agency:ITO").get("/dashboard/reports").text
    assert "سازمان تأمین اجتماعی" not in agency and agency.count("data-report=") == 1


def test_registry_admins_create_viewers_with_a_checked_scope(admin_client, feedback_session):
    token = csrf_token(admin_client.get("/admin/viewers").get_data(as_text=True))
    bad = admin_client.post(
        "/admin/viewers",
        data={
            "csrf_token": token,
            "email": "x@aro.example.ir",
            "scope": "province:IR-99",
            "password": "a long enough password",
        },
    )
    assert bad.status_code == 400 and "IR-99" in bad.get_data(as_text=True)
    good = admin_client.post(
        "/admin/viewers",
        data={
            "csrf_token": token,
            "email": "tehran@ostandari.example.ir",
            "scope": "province:ir-23",
            "password": "a long enough password",
        },
    )
    assert good.status_code == 302
    account = feedback_session.scalar(select(Account).where(Account.email == "tehran@ostandari.example.ir"))
    assert (account.role, account.scope_kind, account.scope_value) == ("viewer", "province", "IR-23")
    assert "tehran@ostandari.example.ir" in admin_client.get("/admin/viewers").get_data(as_text=True)


def test_the_create_viewer_command(settings, committed_feedback):
    env = cli_env(settings)
    runner = CliRunner()
    args = ["feedback", "create-viewer", "head@ito.example.ir", "--password", "a long enough password"]
    ok = runner.invoke(main, [*args, "--scope", f"unit:ITO/{UNIT}"], env=env)
    assert ok.exit_code == 0, ok.output
    assert "unit:ITO/" in ok.output
    bad = runner.invoke(
        main,
        [
            "feedback",
            "create-viewer",
            "x@ito.example.ir",
            "--password",
            "a long enough password",
            "--scope",
            "galaxy",
        ],
        env=env,
    )
    assert bad.exit_code != 0 and "unknown scope kind" in bad.output
    with make_sessionmaker(committed_feedback)() as session:
        account = session.scalar(select(Account).where(Account.email == "head@ito.example.ir"))
        assert (account.scope_kind, account.scope_value) == ("unit", f"ITO/{UNIT}")


def test_transparency_shows_aggregates_above_the_minimum_with_coverage(
    feedback_client, feedback_session, tmp_path
):
    seed_employees(
        feedback_session,
        tmp_path,
        [employee_row(n, agency_code="ITO", unit=UNIT) for n in range(1, 5)],
    )
    from feedback.registry.models import Employee

    ids = list(feedback_session.scalars(select(Employee.id).order_by(Employee.id)))
    add_responses(feedback_session, ids[0], (5, 5, 5, 5), 5)
    add_responses(feedback_session, ids[1], (4, 4, 4, 4), 1)
    add_responses(feedback_session, 999, (3, 3, 3, 3), 2, agency="SSO", province="IR-00", county="0001")
    add_report(feedback_session, "سازمان فناوری اطلاعات ایران", "IR-23")
    page = feedback_client.get("/transparency")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "سازمان فناوری اطلاعات ایران" in text and "۱۰۰٪" in text and "۵۰٪" in text
    assert "رضایی" not in text and UNIT not in text  # aggregates only: no names, no units
    rows = {
        (r["kind"], r["code"]): r for r in json.loads(feedback_client.get("/transparency.json").data)["rows"]
    }
    ito = rows[("agency", "ITO")]
    assert (ito["count"], ito["employees"], ito["with_code"], ito["responded"], ito["open_reports"]) == (
        6,
        4,
        1.0,
        0.5,
        1,
    )
    assert rows[("province", "IR-23")]["count"] == 6
    assert ("province", "IR-00") not in rows  # 2 responses: under the minimum
    assert rows.get(("agency", "SSO"), {"score": None})["score"] is None
    csv_text = feedback_client.get("/transparency.csv").data.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("kind,code,name_fa")
    assert "agency,ITO," in csv_text


def test_transparency_downloads_are_rate_limited(feedback_client):
    statuses = [feedback_client.get("/transparency.json").status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
