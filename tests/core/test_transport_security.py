"""Strict-Transport-Security on responses served over HTTPS, in both apps, directly or behind a trusted
proxy; never over plain HTTP nor on a forged X-Forwarded-Proto from an untrusted client (issue 15)."""

from __future__ import annotations

import pytest

from core.web import HSTS
from tests.fixtures.databases import savepoint_sessionmaker


@pytest.fixture(params=["portal", "feedback"])
def make_app(request, settings, platform_connection, feedback_connection):
    def make(proxies: int):
        if request.param == "portal":
            from portal.app import create_app

            changed = settings.replace(trusted_proxies=proxies)
            app = create_app(changed, session_factory=savepoint_sessionmaker(platform_connection))
        else:
            from feedback.web.app import create_app

            changed = settings.replace(trusted_proxies=proxies)
            app = create_app(changed, session_factory=savepoint_sessionmaker(feedback_connection))
        app.config.update(TESTING=True)
        return app.test_client()

    return make


def test_hsts_only_over_https(make_app):
    client = make_app(0)
    assert client.get("/healthz", base_url="https://gov.example").headers["Strict-Transport-Security"] == HSTS
    assert client.get("/sign-in", base_url="https://gov.example").headers["Strict-Transport-Security"] == HSTS
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    forged = client.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers  # no proxy is trusted


def test_hsts_behind_a_trusted_proxy(make_app):
    client = make_app(1)
    behind = client.get("/sign-in", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert behind.headers["Strict-Transport-Security"] == HSTS
    plain = client.get("/sign-in", headers={"X-Forwarded-Proto": "http", "X-Forwarded-For": "203.0.113.9"})
    assert "Strict-Transport-Security" not in plain.headers
