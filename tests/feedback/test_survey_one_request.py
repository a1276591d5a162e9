"""The survey on a cheap phone: the page is one request (its stylesheet and script inside it, the
phone's own font) and the whole response fits the first TCP flight, so a slow network costs one
round trip. bench/bench_survey_page.py measures the time under slow-3G throttling; these tests hold
what makes it fast."""

from __future__ import annotations

import pytest

from core.web import LOCALE_COOKIE
from tests.feedback.survey_helpers import form_token, seed_survey
from tests.fixtures.web import LiveServer

FIRST_FLIGHT = 14 * 1024  # ten segments of the initial congestion window, headers included


def _response_bytes(response) -> int:
    head = f"HTTP/1.1 {response.status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in response.headers.items())
    return len(head.encode()) + 2 + len(response.data)


@pytest.fixture
def desk(feedback_session, tmp_path):
    [token] = seed_survey(feedback_session, tmp_path, 1)
    return token


@pytest.mark.parametrize("locale", ["fa", "en"])
def test_the_survey_page_is_whole_in_one_response_within_the_first_flight(feedback_client, desk, locale):
    feedback_client.set_cookie(LOCALE_COOKIE, locale)
    page = feedback_client.get(f"/e/{desk}")
    assert page.status_code == 200
    assert "<style>" in page.text and "<script>" in page.text
    assert "/static/" not in page.text and "@font-face" not in page.text and "url(" not in page.text
    assert _response_bytes(page) < FIRST_FLIGHT, _response_bytes(page)


def test_the_other_survey_pages_need_no_second_request_either(feedback_client, desk):
    form = feedback_client.get(f"/e/{desk}")
    refused = feedback_client.post(f"/e/{desk}", data={"form_token": "forged"})
    missing = feedback_client.post(f"/e/{desk}", data={"form_token": form_token(form.text), "q1": "4"})
    thanks = feedback_client.get(f"/e/{desk}/thanks")
    assert (refused.status_code, missing.status_code, thanks.status_code) == (403, 400, 200)
    for page in (refused, missing, thanks):
        assert "/static/" not in page.text, page.status_code
        assert _response_bytes(page) < FIRST_FLIGHT


@pytest.mark.browser
def test_chromium_makes_one_request_and_runs_the_inline_style_and_script_under_the_csp(
    browser, feedback_app, feedback_session, tmp_path
):
    [token] = seed_survey(feedback_session, tmp_path, 1)
    context = browser.new_context(locale="fa-IR", viewport={"width": 360, "height": 740})
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    with LiveServer(feedback_app, threaded=False) as server:
        page.goto(f"{server.url}/e/{token}", wait_until="load")
        assert requests == [f"{server.url}/e/{token}"]
        # the inline style applied (the button's colour) and the script ran: it sends the answers with
        # fetch and goes to the thank-you page's own address, which a plain form post never does
        assert page.locator("button[type=submit]").evaluate("b => getComputedStyle(b).backgroundColor") == (
            "rgb(11, 92, 171)"
        )
        for n in range(1, 5):
            page.check(f"input[name=q{n}][value='4']")
        page.click("button[type=submit]")
        page.wait_for_url(f"**/e/{token}/thanks")
    context.close()
    assert errors == []  # no Content-Security-Policy refusal
