"""A missing-code report closed as a duplicate or rejected, each with a reason; given on arrival to
the registry account of its place; its status told to the citizen by the Bale bot (replies checked
as the local Bot API stand-in receives them); and the desk's code to reissue when it is resolved."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.actors import SYSTEM
from core.dates import tehran_today
from core.errors import Conflict, ValidationError
from feedback.accounts.services import create_account
from feedback.registry.models import Employee
from feedback.reports import outbox, services
from feedback.reports.models import BaleConversation, BaleOutbox, MissingCodeReport
from feedback.reports.schemas import OWNER_DAYS, Channel
from feedback.reports.services import ReportDraft
from tests.feedback import bale_helpers as bh
from tests.feedback.dashboard_helpers import viewer_client
from tests.feedback.helpers import employee_row, seed_employees
from tests.fixtures.feedback import ADMIN_PASSWORD, csrf_token

TOKEN = "7654321:reports-token"
CHAT = 515151


def _filed(session, **changes) -> MissingCodeReport:
    base = {
        "agency_code": "ITO",
        "province_code": "IR-23",
        "office_name": "اداره فناوری شمال",
        "office_address": "خیابان شریعتی",
        "channel": Channel.web,
    }
    report = services.add_report(session, ReportDraft(**{**base, **changes}))
    session.commit()
    return report


def test_duplicate_and_rejected_each_need_a_reason_and_a_duplicate_names_its_original(feedback_session):
    original = _filed(feedback_session)
    again = _filed(feedback_session, channel=Channel.bale, reporter_chat_id=CHAT)
    false = _filed(feedback_session)
    with pytest.raises(ValidationError) as no_reason:
        services.transition_report(feedback_session, false.id, "rejected", " ", "ناظر")
    assert no_reason.value.fields == {"note": "required"}
    for number, problem in (
        ("", "required"),
        ("1234567890", "unknown_report"),
        (again.tracking_number, "unknown_report"),
    ):
        with pytest.raises(ValidationError) as refused:
            services.transition_report(feedback_session, again.id, "duplicate", "همان میز", "ناظر", number)
        assert refused.value.fields == {"duplicate_of": problem}  # none, no such report, itself

    services.transition_report(
        feedback_session, again.id, "duplicate", "همان میز پیش‌تر گزارش شده", "ناظر", original.tracking_number
    )
    services.transition_report(feedback_session, false.id, "verified", "", "ناظر")
    services.transition_report(feedback_session, false.id, "rejected", "کد روی میز نصب بود", "ناظر")
    assert (again.status, again.reason, again.duplicate_of) == (
        "duplicate",
        "همان میز پیش‌تر گزارش شده",
        original.tracking_number,
    )
    assert (false.status, false.reason, false.duplicate_of) == ("rejected", "کد روی میز نصب بود", None)
    for closed in (again, false):  # final
        with pytest.raises(Conflict):
            services.transition_report(feedback_session, closed.id, "verified", "", "ناظر")
    told = feedback_session.scalars(select(BaleOutbox).where(BaleOutbox.chat_id == CHAT)).one()
    assert "تکراری" in told.payload["text"] and "دلیل: همان میز پیش‌تر گزارش شده" in told.payload["text"]
    assert original.tracking_number in told.payload["text"]


def test_a_report_is_given_to_its_countys_registry_account_else_its_provinces(feedback_session):
    create_account(feedback_session, SYSTEM, "tehran@registry.ir", ADMIN_PASSWORD, place="province:IR-23")
    create_account(feedback_session, SYSTEM, "county@registry.ir", ADMIN_PASSWORD, place="county:2301")
    with pytest.raises(ValidationError):
        create_account(feedback_session, SYSTEM, "x@registry.ir", ADMIN_PASSWORD, place="unit:ITO/x")
    in_county = _filed(feedback_session, county_code="2301")
    in_province = _filed(feedback_session)
    elsewhere = _filed(feedback_session, province_code="IR-00")
    assert in_county.owner == "county@registry.ir" and in_province.owner == "tehran@registry.ir"
    assert (in_county.deadline - tehran_today()).days == OWNER_DAYS
    assert (elsewhere.owner, elsewhere.deadline) == (None, None)


def test_the_detail_page_closes_a_report_shows_the_reason_and_links_to_the_desks_code(
    feedback_app, feedback_session, tmp_path
):
    seed_employees(feedback_session, tmp_path, [employee_row(1, first_name="زهرا", last_name="کریمی")])
    employee_id = feedback_session.execute(select(Employee.id)).scalar_one()
    named = _filed(feedback_session, agency_code="MCTH", employee_name="زهرا كريمي")  # Arabic letters
    unnamed = _filed(feedback_session, agency_code="MCTH")
    ministry = viewer_client(feedback_app, feedback_session, "agency:MCTH")

    page = ministry.get(f"/dashboard/reports/{named.id}").get_data(as_text=True)
    assert f'href="/admin/employees/{employee_id}"' in page.split('id="report-desk"')[1].split("</p>")[0]
    page = ministry.get(f"/dashboard/reports/{unnamed.id}").get_data(as_text=True)
    assert 'href="/admin/employees?q="' in page.split('id="report-desk"')[1].split("</p>")[0]

    token = csrf_token(page)
    form = {"csrf_token": token, "status": "duplicate", "note": "تکرار", "back": "detail"}
    refused = ministry.post(f"/dashboard/reports/{unnamed.id}/status", data=form)
    assert refused.headers["Location"].endswith(f"/dashboard/reports/{unnamed.id}")
    assert (
        "شمارهٔ پیگیری گزارشی را که این گزارش تکرار آن است" in ministry.get(refused.headers["Location"]).text
    )
    done = ministry.post(
        f"/dashboard/reports/{unnamed.id}/status", data={**form, "duplicate_of": named.tracking_number}
    )
    assert done.status_code == 302
    page = ministry.get(f"/dashboard/reports/{unnamed.id}").get_data(as_text=True)
    assert "تکراری" in page.split('id="report-status"')[1].split("</dd>")[0]
    assert 'id="report-reason">تکرار<' in page and 'id="report-close"' not in page  # closed: no form
    public = feedback_app.test_client().get(f"/report-missing-code/{unnamed.tracking_number}").text
    assert 'id="report-reason">تکرار<' in public and "تکراری" in public


def test_the_bot_tells_a_citizen_the_status_of_a_tracking_number(bot, feedback_session):
    report = _filed(feedback_session)
    services.transition_report(feedback_session, report.id, "rejected", "نشانی نادرست بود", "ناظر")

    queued = [
        *bot(bh.text(CHAT, report.tracking_number)),  # the number alone, with no report under way
        *bot(bh.text(CHAT, f"/status {report.tracking_number[:5]}-{report.tracking_number[5:]}")),
        *bot(bh.text(CHAT, "/status 1234567890")),
        *bot(bh.text(CHAT, "/status")),
    ]
    assert feedback_session.get(BaleConversation, CHAT) is None  # no report conversation was started
    ids = [row.id for row in feedback_session.scalars(select(BaleOutbox).where(BaleOutbox.chat_id == CHAT))]
    assert len(ids) == len(queued) == 4
    with bh.BotApiStandIn() as stand_in:
        assert outbox.deliver(feedback_session, ids, outbox.BotApi(stand_in.url, TOKEN)).sent == 4
        said = [call["body"]["text"] for call in stand_in.calls]
    assert "رد شد" in said[0] and "دلیل: نشانی نادرست بود" in said[0] and said[0] == said[1]
    assert "پیدا نشد" in said[2] and "/status" in said[3]

    bot(bh.text(CHAT, "/start"))
    bot(bh.text(CHAT, "سازمان تامین اجتماعی"))  # a report under way: /status answers, the step stays
    step = feedback_session.get(BaleConversation, CHAT).step
    calls = bot(bh.text(CHAT, f"/status {report.tracking_number}"))
    assert "رد شد" in calls[0]["text"]
    feedback_session.expire_all()
    assert feedback_session.get(BaleConversation, CHAT).step == step == "province"
