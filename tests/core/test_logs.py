"""One logging set-up for every process (core.logs), one gunicorn configuration (core.gunicorn_config),
request ids and trusted proxies in front of both apps (core.web.init_front)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest
import requests

from core import logs
from core.errors import ConfigurationError
from core.settings import Settings
from portal.app import create_app as create_portal
from tests.fixtures.databases import savepoint_sessionmaker
from tests.fixtures.processes import ROOT, gunicorn
from tests.fixtures.services import settings_env
from tests.fixtures.web import csrf_token_from

TOKEN = "Zq3kT0ken-of-a-desk"


@pytest.fixture
def restored_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_redact_tokens_in_messages_and_tracebacks(capsys, restored_logging):
    logs.configure_logging("info")
    log = logging.getLogger("govcloud.test")
    log.debug("not at info")
    try:
        raise ValueError(f"bad answer on /e/{TOKEN}/thanks")
    except ValueError:
        log.exception("posting /e/%s failed", TOKEN)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    [line] = [line for line in lines if line["logger"] == "govcloud.test"]
    assert line["level"] == "error" and line["message"] == "posting /e/[redacted] failed"
    assert "/e/[redacted]/thanks" in line["exception"] and TOKEN not in json.dumps(line)


def test_log_level_is_read_strictly():
    assert logs.level_from_environ({"GOVCLOUD_LOG_LEVEL": "warning"}) == "warning"
    assert logs.level_from_environ({}) == "info"
    with pytest.raises(ConfigurationError, match="GOVCLOUD_LOG_LEVEL"):
        logs.level_from_environ({"GOVCLOUD_LOG_LEVEL": "loud"})


def test_commands_log_json_lines_at_the_configured_level(settings: Settings):
    """`govcloud ...` configures logging before any command runs (workers and beat included)."""
    env = {**settings_env(settings), "GOVCLOUD_LOG_LEVEL": "debug"}
    code = "from portal.cli import main; import logging; main(['db', '--help'], standalone_mode=False); " + (
        "logging.getLogger('govcloud.cmd').debug('seen at debug')"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    [line] = [json.loads(x) for x in done.stderr.splitlines() if "govcloud.cmd" in x]
    assert line["level"] == "debug" and line["message"] == "seen at debug"


def test_gunicorn_access_log_has_no_token_query_or_referer(settings, tmp_path):
    env = {**settings_env(settings), "GOVCLOUD_LOG_LEVEL": "info"}
    with gunicorn(env, "feedback.web.app:create_app()", tmp_path / "pod", workers=1) as (url, _p, log):
        answer = requests.get(
            f"{url}/e/{TOKEN}?lang=en&secret=query-value",
            headers={"Referer": f"https://feedback.test/e/{TOKEN}", "X-Request-ID": "req-12345678"},
            timeout=10,
        )
        assert answer.headers["X-Request-ID"] == "req-12345678"
        fresh = requests.get(f"{url}/healthz", timeout=10).headers["X-Request-ID"]
    text = log.read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is JSON
    access = {line["request_id"]: line for line in lines if line["logger"] == "gunicorn.access"}
    assert access["req-12345678"]["path"] == "/e/[redacted]"
    assert access["req-12345678"]["method"] == "GET" and access["req-12345678"]["status"] == 404
    assert access[fresh]["path"] == "/healthz" and len(fresh) == 32
    assert TOKEN not in text and "query-value" not in text and "feedback.test" not in text
    assert any(line["logger"] == "gunicorn.error" for line in lines)  # gunicorn's own lines too


def _portal(settings, platform_connection, trusted_proxies: int):
    app = create_portal(
        settings.replace(trusted_proxies=trusted_proxies),
        session_factory=savepoint_sessionmaker(platform_connection),
    )
    app.config.update(TESTING=True)
    return app


def _sign_in_attempts(client, forwarded_for: str, times: int) -> list[int]:
    headers = {"X-Forwarded-For": forwarded_for}
    token = csrf_token_from(client.get("/sign-in", headers=headers).get_data(as_text=True))
    data = {"email": "nobody@test.govcloud.ir", "password": "wrong", "csrf_token": token}
    return [client.post("/sign-in", data=data, headers=headers).status_code for _ in range(times)]


def test_portal_sign_in_limit_counts_each_official_behind_the_ingress(settings, platform_connection):
    client = _portal(settings, platform_connection, trusted_proxies=1).test_client()
    client.environ_base["REMOTE_ADDR"] = "10.200.0.1"  # the ingress controller, for every request
    assert _sign_in_attempts(client, "10.201.0.1", 11)[-1] == 429
    assert _sign_in_attempts(client, "10.201.0.2", 1) == [401]


def test_without_trusted_proxies_a_forwarded_address_is_ignored(settings, platform_connection):
    client = _portal(settings, platform_connection, trusted_proxies=0).test_client()
    client.environ_base["REMOTE_ADDR"] = "10.202.0.1"
    assert _sign_in_attempts(client, "10.203.0.1", 11)[-1] == 429
    assert _sign_in_attempts(client, "10.203.0.2", 1) == [429]  # a client cannot pick its address
