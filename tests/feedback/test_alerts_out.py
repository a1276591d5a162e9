"""Alerts for agencies (a ministry with its organizations), provinces and the nation, sent out of the
app: by e-mail to a real local SMTP server and by Bale through the outbox (to the local Bot API
stand-in), each linking to the dashboard that explains it, then acknowledged on the alerts page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.actors import SYSTEM
from core.errors import ValidationError
from feedback.accounts.services import set_bale_chat
from feedback.dashboards.alerts import evaluate_alerts, notify_alerts
from feedback.dashboards.models import Alert
from feedback.reports import outbox
from feedback.reports.models import BaleOutbox
from tests.feedback import bale_helpers as bh
from tests.feedback.agency_helpers import seed_hierarchy
from tests.feedback.dashboard_helpers import viewer_client
from tests.fixtures.feedback import csrf_token

TOKEN = "7654321:alerts-token"
BASE = "https://feedback.example.ir"
CHAT = 424242


def _subscribe(client, kind: str, threshold: str, window: str = "7") -> None:
    token = csrf_token(client.get("/dashboard/alerts").get_data(as_text=True))
    answer = client.post(
        "/dashboard/alerts",
        data={"csrf_token": token, "kind": kind, "threshold": threshold, "window_days": window},
    )
    assert answer.status_code == 302


def test_a_ministrys_alert_is_emailed_sent_to_bale_and_acknowledged(
    feedback_app, feedback_session, tmp_path, smtp_server
):
    seed_hierarchy(feedback_session, tmp_path)
    ministry = viewer_client(feedback_app, feedback_session, "agency:MICT")
    set_bale_chat(feedback_session, SYSTEM, ministry.account.email, CHAT)
    _subscribe(ministry, "low_score", "70")  # MICT with ITO: 65.4
    other = viewer_client(feedback_app, feedback_session, "agency:SSO")
    _subscribe(other, "low_score", "10")  # SSO: 25.0, above 10: nothing

    assert evaluate_alerts(feedback_session, SYSTEM, 5) == 1
    queued = notify_alerts(feedback_session, SYSTEM, smtp_server.url, "no-reply@feedback.example.ir", BASE)
    assert len(smtp_server.received) == 1
    mail = smtp_server.received[0]
    assert mail.recipients == [ministry.account.email]
    body = mail.message.get_content()
    assert "وزارت ارتباطات و فناوری اطلاعات" in mail.message["Subject"]
    assert "65.4" in body and f"{BASE}/dashboard?scope=agency:MICT&days=7" in body
    assert f"{BASE}/dashboard/alerts" in body

    rows = feedback_session.scalars(select(BaleOutbox).where(BaleOutbox.id.in_(queued))).all()
    assert [(r.chat_id, r.method) for r in rows] == [(CHAT, "sendMessage")]
    with bh.BotApiStandIn() as stand_in:
        assert outbox.deliver(feedback_session, queued, outbox.BotApi(stand_in.url, TOKEN)).sent == 1
        assert stand_in.calls[0]["body"]["chat_id"] == CHAT and "65.4" in stand_in.calls[0]["body"]["text"]

    # sent once: the next run sends nothing again
    assert notify_alerts(feedback_session, SYSTEM, smtp_server.url, "x@y.ir", BASE) == []
    assert len(smtp_server.received) == 1

    alert = feedback_session.scalar(select(Alert))
    page = ministry.get("/dashboard/alerts").get_data(as_text=True)
    assert f'data-alert="{alert.id}"' in page
    token = csrf_token(page)
    ministry.post(
        f"/dashboard/alerts/{alert.id}/acknowledge", data={"csrf_token": token, "note": "پیگیری شد"}
    )
    feedback_session.expire_all()
    assert feedback_session.get(Alert, alert.id).acknowledged_by == ministry.account.email
    theirs = csrf_token(other.get("/dashboard/alerts").get_data(as_text=True))
    answer = other.post(f"/dashboard/alerts/{alert.id}/acknowledge", data={"csrf_token": theirs, "note": "x"})
    assert answer.status_code == 404  # another account's alert


def test_provinces_and_the_nation_get_alerts_and_a_failed_email_is_retried(
    feedback_app, feedback_session, tmp_path, smtp_server
):
    seed_hierarchy(feedback_session, tmp_path)
    province = viewer_client(feedback_app, feedback_session, "province:IR-00")
    _subscribe(province, "low_responses", "5", "1")  # Markazi: 2 answers today
    nation = viewer_client(feedback_app, feedback_session, "nation")
    _subscribe(nation, "low_score", "60")  # the nation: 18 answers, 52.1
    assert evaluate_alerts(feedback_session, SYSTEM, 5) == 2

    closed_port = "smtp://127.0.0.1:9"  # nothing listens: the e-mail fails, nothing is marked sent
    assert notify_alerts(feedback_session, SYSTEM, closed_port, "x@y.ir", BASE) == []
    assert feedback_session.scalars(select(Alert.notified_at)).all() == [None, None]
    notify_alerts(feedback_session, SYSTEM, smtp_server.url, "x@y.ir", BASE)
    bodies = {m.recipients[0]: m.message.get_content() for m in smtp_server.received}
    assert (
        "scope=province:IR-00&days=7" in bodies[province.account.email]
        and "تنها 2 پاسخ" in bodies[province.account.email]
    )
    assert "scope=nation&days=7" in bodies[nation.account.email]


def test_only_operators_connect_a_bale_chat_and_it_must_be_a_chat_id(feedback_app, feedback_session):
    viewer = viewer_client(feedback_app, feedback_session, "nation")
    with pytest.raises(ValidationError):
        set_bale_chat(feedback_session, SYSTEM, viewer.account.email, -5)
    assert set_bale_chat(feedback_session, SYSTEM, viewer.account.email, None).bale_chat_id is None


def test_a_sharp_drop_against_the_window_before_raises_an_alert(feedback_app, feedback_session, smtp_server):
    import datetime as dt

    from core.dates import tehran_today
    from feedback.rollups.models import rollup_keys
    from feedback.rollups.services import apply_deltas

    keys = rollup_keys(1, "اداره فناوری", "ITO", "2301", "IR-23")
    today = tehran_today()
    week_before = today - dt.timedelta(days=9)  # in the 7 days before the last 7
    apply_deltas(
        feedback_session,
        [
            {(level, key, week_before): (6, 30, 30, 30, 30) for level, key in keys},  # 100.0
            {(level, key, today): (6, 18, 18, 18, 18) for level, key in keys},  # 50.0
        ],
    )
    feedback_session.commit()
    agency = viewer_client(feedback_app, feedback_session, "agency:ITO")
    _subscribe(agency, "drop", "40")  # fell 50 points: raised
    province = viewer_client(feedback_app, feedback_session, "province:IR-23")
    _subscribe(province, "drop", "60")  # 50 < 60: not raised
    assert evaluate_alerts(feedback_session, SYSTEM, 5) == 1
    alert = feedback_session.scalar(select(Alert))
    assert round(alert.value) == 50 and alert.count == 6
    assert "۵۰٫۰ واحد" in agency.get("/dashboard/alerts").get_data(as_text=True)
    notify_alerts(feedback_session, SYSTEM, smtp_server.url, "x@y.ir", BASE)
    assert "50.0 واحد" in smtp_server.received[0].message.get_content()


def test_each_head_of_agency_gets_a_weekly_digest(feedback_app, feedback_session, tmp_path, smtp_server):
    from feedback.celery_names import TaskNames
    from feedback.dashboards.digest import send_weekly_digests
    from feedback.schedule import SCHEDULE

    seed_hierarchy(feedback_session, tmp_path)
    ministry = viewer_client(feedback_app, feedback_session, "agency:MICT")
    viewer_client(feedback_app, feedback_session, "nation")  # not a head of agency: no digest
    assert send_weekly_digests(feedback_session, SYSTEM, "", "x@y.ir", BASE, 5) == 0  # no SMTP: none
    assert send_weekly_digests(feedback_session, SYSTEM, smtp_server.url, "x@y.ir", BASE, 5) == 1
    mail = smtp_server.received[0]
    assert mail.recipients == [ministry.account.email]
    body = mail.message.get_content()
    assert "امتیاز این هفته: 65.4 از 13 پاسخ" in body  # the ministry with its organization ITO
    assert "اداره فناوری" in body and "ستاد وزارت" not in body  # 2 answers: not enough to name
    assert f"{BASE}/dashboard?scope=agency:MICT&days=7" in body
    assert SCHEDULE["weekly-digests"]["task"] == TaskNames.WEEKLY_DIGESTS


def test_a_unit_has_no_drop_alert_it_keeps_no_day_series(feedback_app, feedback_session, tmp_path):
    from feedback.accounts.actors import actor_for
    from feedback.dashboards.alerts import subscribe_alert
    from feedback.dashboards.models import AlertSubscription

    seed_hierarchy(feedback_session, tmp_path)
    unit = viewer_client(feedback_app, feedback_session, "unit:ITO/اداره فناوری")
    assert 'value="drop"' not in unit.get("/dashboard/alerts").get_data(as_text=True)  # not offered
    _subscribe(unit, "drop", "20")  # refused: the page says so and nothing is stored
    assert feedback_session.scalar(select(AlertSubscription)) is None
    with pytest.raises(ValidationError) as refused:
        subscribe_alert(feedback_session, actor_for(unit.account), "drop", "20", "7")
    assert refused.value.fields == {"kind": "no_day_series"}
    _subscribe(unit, "low_score", "50")  # the other kinds stay
    assert feedback_session.scalar(select(AlertSubscription.kind)) == "low_score"
