"""A burst of low scores: many unhappy answers within the last hour raise an alert for the scope that
watches for it (a unit, an agency, a province, the nation), before any window's score moves."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from core.actors import SYSTEM
from core.dates import tehran_day
from core.db import utcnow
from core.errors import ValidationError
from feedback.accounts.actors import actor_for
from feedback.dashboards.alerts import evaluate_alerts, notify_alerts, subscribe_alert
from feedback.dashboards.models import Alert, AlertSubscription
from feedback.rollups.models import rollup_keys
from feedback.rollups.services import apply_deltas
from feedback.survey.models import COUNTED, FLAGGED, Response
from tests.feedback.dashboard_helpers import UNIT, viewer_client
from tests.fixtures.feedback import csrf_token

BASE = "https://feedback.example.ir"


def _answer(session, ratings: int, *, ago: dt.timedelta = dt.timedelta(minutes=5), status: str = COUNTED):
    """One answer of ITO's unit in Tehran (IR-23), all four ratings `ratings`, `ago` before now, and
    its rollups as the survey adds them (counted ones only)."""
    at = utcnow() - ago
    day = tehran_day(at)
    session.add(
        Response(
            employee_id=1,
            code_id=1,
            day=day,
            device_hash=uuid.uuid4().hex,
            ip_hash="i" * 64,
            q1=ratings,
            q2=ratings,
            q3=ratings,
            q4=ratings,
            status=status,
            flag_rule="same_ip" if status == FLAGGED else None,
            submission_id=str(uuid.uuid4()),
            unit=UNIT,
            agency_code="ITO",
            province_code="IR-23",
            county_code="2301",
            created_at=at,
        )
    )
    if status == COUNTED:
        keys = rollup_keys(1, UNIT, "ITO", "2301", "IR-23")
        apply_deltas(
            session, [{(level, key, day): (1, ratings, ratings, ratings, ratings) for level, key in keys}]
        )
    session.commit()


def _subscribe(client, threshold: str, window: str = "30") -> None:
    page = client.get("/dashboard/alerts").get_data(as_text=True)
    assert 'value="burst"' in page  # offered to every scope, a unit's too
    answer = client.post(
        "/dashboard/alerts",
        data={"csrf_token": csrf_token(page), "kind": "burst", "threshold": threshold, "window_days": window},
    )
    assert answer.status_code == 302


def test_a_burst_of_low_scores_within_the_hour_raises_an_alert_for_each_scope_that_watches(
    feedback_app, feedback_session, smtp_server
):
    for _ in range(3):
        _answer(feedback_session, 1)  # three low answers five minutes ago
    _answer(feedback_session, 5)  # a happy one in the same hour: not low
    _answer(feedback_session, 2, ago=dt.timedelta(hours=2))  # low, but before the hour
    _answer(feedback_session, 1, status=FLAGGED)  # held out of the figures: not counted here either

    agency = viewer_client(feedback_app, feedback_session, "agency:MICT")  # ITO's ministry
    _subscribe(agency, "3")
    unit = viewer_client(feedback_app, feedback_session, f"unit:ITO/{UNIT}")
    _subscribe(unit, "4")  # three low answers: not four
    province = viewer_client(feedback_app, feedback_session, "province:IR-00")
    _subscribe(province, "1")  # nothing in Markazi
    nation = viewer_client(feedback_app, feedback_session, "nation")
    _subscribe(nation, "2")

    stored = feedback_session.scalars(select(AlertSubscription).order_by(AlertSubscription.id)).all()
    assert {s.kind for s in stored} == {"burst"} and {s.window_days for s in stored} == {1}  # the hour
    assert evaluate_alerts(feedback_session, SYSTEM, 5) == 2
    raised = feedback_session.execute(
        select(Alert, AlertSubscription.account_id).join(AlertSubscription).order_by(Alert.id)
    ).all()
    assert [(account, a.value, a.count) for a, account in raised] == [
        (agency.account.id, 3.0, 4),
        (nation.account.id, 3.0, 4),
    ]
    page = agency.get("/dashboard/alerts").get_data(as_text=True)
    assert "۳ پاسخ با امتیاز پایین از ۴ پاسخ در یک ساعت گذشته." in page
    assert "۳ پاسخ با امتیاز پایین یا بیشتر در یک ساعت" in page  # the subscription, as listed

    notify_alerts(feedback_session, SYSTEM, smtp_server.url, "x@y.ir", BASE)
    bodies = {m.recipients[0]: m.message.get_content() for m in smtp_server.received}
    assert "3 پاسخ با امتیاز پایین از 4 پاسخ در یک ساعت گذشته" in bodies[agency.account.email]
    assert f"{BASE}/dashboard?scope=agency:MICT" in bodies[agency.account.email]


def test_a_burst_threshold_is_a_whole_number_of_answers(feedback_app, feedback_session):
    unit = viewer_client(feedback_app, feedback_session, f"unit:ITO/{UNIT}")
    for bad in ("0", "2.5", "-1", "many"):
        with pytest.raises(ValidationError) as refused:
            subscribe_alert(feedback_session, actor_for(unit.account), "burst", bad, "7")
        assert refused.value.fields == {"threshold": "out_of_range"}
    assert subscribe_alert(feedback_session, actor_for(unit.account), "burst", "5", "bogus").window_days == 1
