"""The feedback service as a cluster runs it: two gunicorn instances (each in a working folder of
its own, as pods have their own disks) behind Debian's nginx playing the ingress controller, with
the worker in a process of its own. They share only PostgreSQL and Redis."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from core.db import make_sessionmaker
from feedback.survey.models import Response
from tests.feedback.helpers import HEADER, employee_row
from tests.feedback.survey_helpers import ANSWERS, form_token, seed_survey
from tests.fixtures.feedback import ADMIN_EMAIL, ADMIN_PASSWORD, create_admin, csrf_token
from tests.fixtures.processes import gunicorn, nginx
from tests.fixtures.services import settings_env
from tests.waiting import wait_until

APP = "feedback.web.app:create_app()"


def _open(url: str, token: str, address: str) -> tuple[requests.Session, dict[str, str]]:
    """A phone at `address` opens the survey: its device cookie and signed form."""
    phone = requests.Session()
    page = phone.get(f"{url}/e/{token}", headers={"X-Forwarded-For": address}, timeout=30)
    assert page.status_code == 200, page.status_code
    return phone, {**ANSWERS, "form_token": form_token(page.text)}


def _answer(url: str, token: str, address: str, phone: requests.Session, form: dict[str, str]) -> int:
    answer = phone.post(f"{url}/e/{token}", data=form, headers={"X-Forwarded-For": address}, timeout=30)
    return answer.status_code


def _lines(log: Path) -> list[dict]:
    """Every line the instance wrote: each must be one JSON object."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


@pytest.fixture
def cluster(settings, committed_feedback, feedback_worker, tmp_path):
    """Two web instances (own folders), nginx in front, the worker in its own process."""
    env = {**settings_env(settings), "GOVCLOUD_TRUSTED_PROXIES": "1", "GOVCLOUD_LOG_LEVEL": "info"}
    a, b = tmp_path / "pod-a", tmp_path / "pod-b"
    with (
        gunicorn({**env, "GOVCLOUD_VAR_DIR": str(a / "var")}, APP, a) as (url_a, _pa, log_a),
        gunicorn({**env, "GOVCLOUD_VAR_DIR": str(b / "var")}, APP, b) as (url_b, _pb, log_b),
        nginx([url_a, url_b], tmp_path / "ingress") as url,
    ):
        yield {"url": url, "pods": [url_a, url_b], "logs": [log_a, log_b], "root": tmp_path}


def test_citizens_are_counted_one_by_one_behind_the_ingress(cluster, committed_feedback, tmp_path):
    with make_sessionmaker(committed_feedback)() as session:
        tokens = seed_survey(session, tmp_path, 20)
    url = cluster["url"]

    # 200 citizens, each at an address of their own, answer once: the ingress's own address is never
    # the one counted, so nobody is refused.
    citizens = [(tokens[n % len(tokens)], f"10.77.{n >> 8}.{n & 255}") for n in range(200)]
    with ThreadPoolExecutor(16) as pool:
        opened = list(pool.map(lambda c: _open(url, *c), citizens))
        statuses = list(
            pool.map(lambda c, o: _answer(url, c[0], c[1], *o), citizens, opened),
        )
    assert statuses == [200] * 200
    with make_sessionmaker(committed_feedback)() as session:
        assert session.scalar(select(func.count()).select_from(Response)) == 200

    # One address (a hundred phones behind it, each with a form opened elsewhere) is held to the
    # survey's 60 answers a minute per address, whichever instance each answer reaches.
    crowd = [(tokens[n % len(tokens)], f"10.78.{n >> 8}.{n & 255}") for n in range(100)]
    with ThreadPoolExecutor(8) as pool:
        opened = list(pool.map(lambda c: _open(url, *c), crowd))
        statuses = list(pool.map(lambda c, o: _answer(url, c[0], "10.79.0.1", *o), crowd, opened))
    assert statuses.count(200) == 60
    assert statuses.count(429) == 40

    # Both instances served answers; neither log holds a survey token, a query string or a Referer.
    for log in cluster["logs"]:
        lines = _lines(log)
        text = log.read_text()
        access = [line for line in lines if line["logger"] == "gunicorn.access"]
        assert any(line["method"] == "POST" and line["path"] == "/e/[redacted]" for line in access)
        assert all(line.get("request_id") for line in access)
        assert not any(token in text for token in tokens)


def test_request_ids_pass_through_and_are_returned(cluster):
    url = cluster["url"]
    mine = requests.get(f"{url}/healthz", headers={"X-Request-ID": "probe-0123456789abcdef"}, timeout=10)
    assert mine.headers["X-Request-ID"] == "probe-0123456789abcdef"
    # Without one, the ingress's (nginx's $request_id) is kept; a forged one is replaced.
    plain = requests.get(f"{url}/healthz", timeout=10)
    assert len(plain.headers["X-Request-ID"]) == 32
    forged = requests.get(f"{url}/healthz", headers={"X-Request-ID": 'x" injected\\n'}, timeout=10)
    assert "injected" not in forged.headers["X-Request-ID"]
    ids = {line.get("request_id") for log in cluster["logs"] for line in _lines(log)}
    assert {"probe-0123456789abcdef", plain.headers["X-Request-ID"]} <= ids


def _sign_in(url: str) -> requests.Session:
    admin = requests.Session()
    page = admin.get(f"{url}/sign-in", timeout=30)
    data = {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD, "csrf_token": csrf_token(page.text)}
    signed = admin.post(f"{url}/sign-in", data=data, allow_redirects=False, timeout=30)
    assert signed.status_code == 302, signed.status_code
    return admin


def test_an_upload_on_one_pod_is_imported_by_the_worker_and_its_rejects_served_by_the_other(
    cluster, committed_feedback
):
    create_admin(committed_feedback)
    pod_a, pod_b = cluster["pods"]
    admin = _sign_in(pod_a)  # the session cookie is signed with the release's key: both pods take it
    rows = [employee_row(n) for n in range(1, 40)] + [employee_row(99, national_code="1234567890")]
    csv = ("\n".join([",".join(HEADER)] + [",".join(r[c] for c in HEADER) for r in rows]) + "\n").encode()
    form = admin.get(f"{pod_a}/admin/import", timeout=30)
    uploaded = admin.post(
        f"{pod_a}/admin/import",
        data={"csrf_token": csrf_token(form.text)},
        files={"file": ("employees.csv", csv, "text/csv")},
        allow_redirects=False,
        timeout=60,
    )
    assert uploaded.status_code == 303, uploaded.text
    job = uploaded.headers["Location"]

    def finished() -> dict | None:
        status = admin.get(f"{pod_b}{job}.json", timeout=30).json()
        return status if status["status"] in {"done", "failed"} else None

    status = wait_until(finished, timeout=120, what="the import job")
    assert status["status"] == "done", status
    assert status["summary"] == "imported 39, updated 0, unchanged 0, rejected 1"
    rejects = admin.get(f"{pod_b}{job}/rejects", timeout=30)
    assert rejects.status_code == 200
    assert rejects.headers["Content-Disposition"].startswith("attachment")
    assert "bad_national_code" in rejects.content.decode("utf-8-sig")
    # Nothing was written to either pod's own folder: the file went through the database.
    for pod in ("pod-a", "pod-b"):
        assert not list((cluster["root"] / pod).glob("var/feedback/**/*.csv"))
