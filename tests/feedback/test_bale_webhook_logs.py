"""The webhook's secret path never reaches a log line or a metric label."""

from __future__ import annotations

import logging

import requests

from core.web import metrics_text
from feedback.web.bale import SECRET_HEADER
from tests.feedback import bale_helpers as bh
from tests.fixtures.web import LiveServer


def test_the_access_log_and_metrics_name_the_endpoint_not_the_secret(settings, committed_feedback, caplog):
    from feedback.web.app import create_app

    app = create_app(settings.replace(bale_webhook_secret=bh.SECRET))
    caplog.set_level(logging.INFO)
    with LiveServer(app) as server:
        ok = requests.post(f"{server.url}/bale/webhook/{bh.SECRET}", json=bh.text(5151, "/start"), timeout=10)
        wrong = requests.post(f"{server.url}/bale/webhook/{bh.SECRET[:-1]}", json={}, timeout=10)
        by_header = requests.post(
            f"{server.url}/bale/webhook",
            json=bh.text(5152, "/start"),
            headers={SECRET_HEADER: bh.SECRET},
            timeout=10,
        )
    metrics = metrics_text(app)
    assert (ok.status_code, wrong.status_code, by_header.status_code) == (200, 404, 200)
    access = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("POST [bale.webhook]" in line for line in access), access
    assert any("POST /bale/webhook HTTP" in line for line in access), access
    assert bh.SECRET[:-1] not in caplog.text
    assert "bale.webhook" in metrics and bh.SECRET[:-1] not in metrics


def test_gunicorn_access_lines_are_scrubbed_too(settings, caplog):
    from feedback.web.app import create_app

    create_app(settings)  # installs the filter on gunicorn's loggers
    caplog.set_level(logging.INFO, logger="gunicorn.access")
    logging.getLogger("gunicorn.access").info(
        '%(h)s "%(r)s" %(s)s', {"h": "10.0.0.1", "r": f"POST /bale/webhook/{bh.SECRET} HTTP/1.1", "s": "200"}
    )
    assert caplog.records[-1].getMessage() == '10.0.0.1 "POST [bale.webhook] HTTP/1.1" 200'
