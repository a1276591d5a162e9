"""Unit heads' alerts: subscribed on the dashboard, raised by the real feedback worker, acknowledged
with a note."""

from __future__ import annotations

from sqlalchemy import select

from core.actors import SYSTEM
from core.db import make_sessionmaker
from feedback.celery_names import TaskNames
from feedback.dashboards.alerts import evaluate_alerts
from feedback.dashboards.models import Alert
from feedback.rollups.scores import min_responses
from tests.feedback.dashboard_helpers import UNIT, add_responses, viewer_client
from tests.fixtures.feedback import csrf_token
from tests.waiting import wait_until

# the flash for a subscription the service refuses (fa catalogue)
REFUSED = "اشتراک ثبت نشد: نوع هشدار، آستانه (امتیاز از ۰ تا ۱۰۰) و بازه را بررسی کنید."


def _evaluate_and_wait(celery_app, factory, expected: int) -> list[Alert]:
    celery_app.send_task(TaskNames.EVALUATE_ALERTS, queue=celery_app.conf.task_default_queue)

    def raised() -> list[Alert] | None:
        with factory() as session:
            alerts = list(session.scalars(select(Alert).order_by(Alert.id)))
        return alerts if len(alerts) >= expected else None

    return wait_until(raised, timeout=30, interval=0.2, what=f"the worker to raise {expected} alerts")


def test_the_beat_evaluates_alerts_every_few_minutes(feedback_celery_app):
    entry = feedback_celery_app.conf.beat_schedule["evaluate-alerts"]
    assert entry["task"] == TaskNames.EVALUATE_ALERTS and entry["schedule"] <= 600


def test_a_low_score_raises_one_alert_until_acknowledged(
    settings, committed_feedback_app, committed_feedback, feedback_worker, feedback_celery_app
):
    factory = make_sessionmaker(committed_feedback)
    with factory() as session:
        head = viewer_client(committed_feedback_app, session, f"unit:ITO/{UNIT}")
        add_responses(session, 1, (2, 2, 2, 2), 6)  # score 25
        add_responses(session, 2, (5, 5, 5, 5), 6, unit="اداره مالی")  # another unit: not subscribed
    token = csrf_token(head.get("/dashboard/alerts").text)
    bad = head.post(
        "/dashboard/alerts",
        data={"csrf_token": token, "kind": "low_score", "threshold": "150", "window_days": "7"},
    )
    assert bad.status_code == 302
    assert REFUSED in head.get("/dashboard/alerts").text
    head.post(
        "/dashboard/alerts",
        data={"csrf_token": token, "kind": "low_score", "threshold": "50", "window_days": "7"},
    )
    head.post(
        "/dashboard/alerts",
        data={"csrf_token": token, "kind": "low_responses", "threshold": "3", "window_days": "1"},
    )

    alerts = _evaluate_and_wait(feedback_celery_app, factory, 1)
    assert [(round(a.value), a.count) for a in alerts] == [(25, 6)]  # 6 responses today: not "too few"
    page = head.get("/dashboard/alerts").text
    assert f'data-alert="{alerts[0].id}"' in page and "۲۵" in page

    with factory() as session:  # the open alert holds back another for the same subscription
        assert evaluate_alerts(session, SYSTEM, min_responses(settings)) == 0
    with factory() as session:
        assert len(session.scalars(select(Alert)).all()) == 1  # still open: no second alert

    empty = head.post(
        f"/dashboard/alerts/{alerts[0].id}/acknowledge", data={"csrf_token": token, "note": " "}
    )
    assert empty.status_code == 302
    head.post(
        f"/dashboard/alerts/{alerts[0].id}/acknowledge",
        data={"csrf_token": token, "note": "با کارمند گفتگو شد"},
    )
    with factory() as session:
        acknowledged = session.get(Alert, alerts[0].id)
        assert acknowledged.acknowledged_at is not None and acknowledged.note == "با کارمند گفتگو شد"
    assert "با کارمند گفتگو شد" in head.get("/dashboard/alerts").text
