"""The availability page: declared beside evidenced, the last failures with time and error, probe now
(with its CSRF token), in Persian first; and the milestone form's evidence fields."""

import datetime as dt

import html5lib

from catalog.models import AgencyKind
from core.actors import SYSTEM, Role
from onboarding.probes import services as probes
from onboarding.probes.prober import ProbeConfig, parse_networks
from tests.fixtures.web import csrf_token_from
from tests.onboarding.compliance import factories as f

LOCAL = ProbeConfig(allowed_networks=parse_networks("127.0.0.0/8"), total_timeout=5)


def _valid(body: str) -> None:
    html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(body)


def test_an_agency_sees_why_a_service_does_not_count_and_asks_for_a_probe(
    client, db_session, make_user, sign_in, probe_server
):
    agency = f.agency(db_session, AgencyKind.organization)
    answers, fails = f.services(db_session, agency, [3, 3])
    answers.public_url, fails.public_url = probe_server.url("/ok"), probe_server.url("/error")
    db_session.flush()
    for service in (answers, fails, answers):
        probes.probe_service(db_session, SYSTEM, service.id, LOCAL)
    sign_in(client, make_user(Role.agency_member, agency=agency))
    page = client.get(f"/agencies/{agency.id}/availability")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    _valid(body)
    assert "دسترس‌پذیری" in body and "۱۰۰٪" in body and "(۲ / ۲)" in body  # Persian digits
    assert "status" in body and "answered 500, expected 2xx" in body  # the failure and its error
    assert "۵۰۰" in body  # its status code
    token = csrf_token_from(body)
    asked = client.post(f"/services/{fails.id}/probe", data={"csrf_token": token})
    assert asked.status_code == 302 and asked.headers["Location"].endswith(
        f"/agencies/{agency.id}/availability"
    )
    assert client.post(f"/services/{fails.id}/probe", data={}).status_code == 400  # no CSRF token


def test_another_agencys_availability_is_not_found(client, db_session, make_user, sign_in):
    own = f.agency(db_session, AgencyKind.organization)
    other = f.agency(db_session, AgencyKind.organization)
    (theirs,) = f.services(db_session, other, [3])
    theirs.public_url = "https://service.example/"
    db_session.flush()
    sign_in(client, make_user(Role.agency_admin, agency=own))
    assert client.get(f"/agencies/{other.id}/availability").status_code == 404
    token = csrf_token_from(client.get(f"/agencies/{own.id}/availability").get_data(as_text=True))
    assert client.post(f"/services/{theirs.id}/probe", data={"csrf_token": token}).status_code == 404


def test_a_milestone_requires_evidence_through_its_form(client, db_session, make_user, sign_in):
    program = f.program(db_session)
    milestone = f.milestone(db_session, program, "electronic", 1.0, dt.date(2099, 1, 1))
    sign_in(client, make_user(Role.platform_admin))
    form = client.get(f"/milestones/{milestone.id}").get_data(as_text=True)
    assert 'name="evidence_required"' in form
    data = {
        "csrf_token": csrf_token_from(form),
        "code": milestone.code,
        "title_fa": milestone.title_fa,
        "metric": "electronic",
        "target": "1",
        "deadline": "2099-01-01",
        "remind_days_before": "30",
        "evidence_required": "1",
        "evidence_window_days": "0",
        "evidence_min_availability": "95%",
    }
    refused = client.post(f"/milestones/{milestone.id}", data=data)
    assert refused.status_code == 422 and "۱ تا ۹۰" in refused.get_data(as_text=True)
    saved = client.post(f"/milestones/{milestone.id}", data={**data, "evidence_window_days": "14"})
    assert saved.status_code == 302
    db_session.refresh(milestone)
    assert (milestone.evidence_required, milestone.evidence_window_days) == (True, 14)
    assert milestone.evidence_min_availability == 0.95


def test_the_public_status_pages_show_7_and_90_days_without_signing_in(client, db_session, probe_server):
    from onboarding.probes.models import ProbeDaily

    agency = f.agency(db_session, AgencyKind.organization, name="سازمان نمونه")
    up, flaky = f.services(db_session, agency, [3, 3])
    up.public_url, flaky.public_url = probe_server.url("/ok"), probe_server.url("/error")
    db_session.flush()
    today = dt.datetime.now(dt.UTC).date()
    for back in range(1, 31):  # thirty folded days: the first always up, the second up half the time
        day = today - dt.timedelta(days=back)
        db_session.add(ProbeDaily(service_id=up.id, day=day, agency_id=agency.id, probes=10, up=10))
        db_session.add(ProbeDaily(service_id=flaky.id, day=day, agency_id=agency.id, probes=10, up=5))
    db_session.flush()
    for service in (up, flaky):  # and today's raw probes
        probes.probe_service(db_session, SYSTEM, service.id, LOCAL)
    national = client.get("/status")
    body = national.get_data(as_text=True)
    assert national.status_code == 200 and "<script" not in body
    _valid(body)
    assert "سازمان نمونه" in body and f"/status/{agency.code}" in body
    page = client.get(f"/status/{agency.code}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script" not in body
    _valid(body)
    assert body.count('class="day up"') == 31 and body.count('class="day down"') == 31  # 30 days + today
    assert body.count('class="day none"') == 2 * 59
    assert "۱۰۰٪" in body and "۵۰٪" in body  # the first always up; the second about half
    assert "127.0.0.1" not in body and "status_code" not in body  # no address, no error detail in public
    english = client.get(f"/status/{agency.code}?lang=en")
    assert english.status_code == 200
    assert client.get("/status/NO-SUCH").status_code == 404


def test_the_api_shows_declared_beside_evidenced_and_probes_now(
    client, db_session, make_user, api_headers, probe_server
):
    agency = f.agency(db_session, AgencyKind.organization)
    answers, fails = f.services(db_session, agency, [4, 3])
    answers.public_url, fails.public_url = probe_server.url("/ok"), probe_server.url("/error")
    db_session.flush()
    for service in (answers, fails):
        probes.probe_service(db_session, SYSTEM, service.id, LOCAL)
    headers = api_headers(make_user(Role.agency_member, agency=agency))
    body = client.get(f"/api/v1/availability?agency={agency.id}", headers=headers).json
    by_id = {s["id"]: s for s in body["services"]}
    assert by_id[answers.id]["maturity"] == 4 and by_id[answers.id]["availability_7d"]["ratio"] == 1.0
    assert (
        by_id[fails.id]["last_probe"]["error_class"] == "status"
        and by_id[fails.id]["last_probe"]["status_code"] == 500
    )
    assert [failure["service_id"] for failure in body["failures"]] == [fails.id]
    queued = client.post("/api/v1/probes", json={"service_id": fails.id}, headers=headers)
    assert queued.status_code == 202 and queued.json == {"service_id": fails.id, "queued": True}
    unknown = client.post("/api/v1/probes", json={"service_id": 2**31 - 1}, headers=headers)
    assert unknown.status_code == 422 and "service_id" in unknown.json["error"]["fields"]
