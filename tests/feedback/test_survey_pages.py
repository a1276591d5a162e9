"""The survey page citizens open from a desk's code: small, Persian, right-to-left, no personal data,
and the signed form token that keeps it honest."""

from __future__ import annotations

import html5lib
import pytest
from sqlalchemy import func, select

from feedback.survey.models import COUNTED, REPLACED, Response
from feedback.survey.questions import seed_questions
from tests.feedback.helpers import code_of, seed_two_desks
from tests.feedback.survey_helpers import ANSWERS, form_token, open_and_answer
from tests.fixtures.feedback import csrf_token, fresh_address


@pytest.fixture
def seeded(feedback_session, tmp_path):
    seed_two_desks(feedback_session, tmp_path)
    seed_questions(feedback_session)
    return feedback_session


def _rows(session) -> list[Response]:
    return list(session.scalars(select(Response).order_by(Response.id)))


def test_survey_page_is_small_valid_rtl_and_shows_no_national_code(feedback_client, seeded):
    code = code_of(seeded, "E000001")
    page = feedback_client.get(f"/e/{code.token}")
    assert page.status_code == 200
    html5lib.HTMLParser(strict=True).parse(page.text)
    assert '<html lang="fa" dir="rtl">' in page.text
    assert "ز. کریمی" in page.text and "اداره کل فناوری" in page.text and "کارشناس ارشد" not in page.text
    assert "وزارت میراث فرهنگی" in page.text
    national = code.employee.national_code
    assert national not in page.text and national[-4:] not in page.text
    for text in (
        "رضایت از کیفیت انجام کار",
        "برخورد همراه با احترام",
        "سرعت انجام کار",
        "رضایت از رفتار کارمند",
    ):
        assert text in page.text
    assert page.text.count('type="radio"') == 20
    assert "Vazirmatn" not in page.text
    assert "/static/" not in page.text  # one request: tests/feedback/test_survey_one_request.py


def test_answer_is_stored_with_the_employee_dimensions_and_thanked(feedback_client, seeded):
    code = code_of(seeded, "E000001")
    response = open_and_answer(feedback_client, code.token, comment="<b>خیلی</b> خوب <script>x</script>")
    assert response.status_code == 200
    assert "سپاسگزاریم" in response.text
    (row,) = _rows(seeded)
    assert (row.q1, row.q2, row.q3, row.q4) == (5, 4, 3, 5)
    assert row.status == COUNTED and row.comment == "خیلی خوب x"
    assert (row.unit, row.agency_code) == ("اداره کل فناوری", "MCTH")
    assert row.province_code and row.county_code


def test_missing_answer_is_a_400_that_keeps_the_others(feedback_client, seeded):
    code = code_of(seeded, "E000001")
    response = open_and_answer(feedback_client, code.token, answers={"q1": "5", "q2": "9", "q3": "3"})
    assert response.status_code == 400
    assert 'value="5" required checked' in response.text
    assert _rows(seeded) == []


def test_comment_is_length_limited(feedback_client, seeded):
    code = code_of(seeded, "E000001")
    assert open_and_answer(feedback_client, code.token, comment="ب" * 2000).status_code == 200
    assert len(_rows(seeded)[0].comment) == 500


def test_tampered_expired_replayed_and_other_device_tokens(feedback_app, feedback_client, seeded):
    code = code_of(seeded, "E000001")
    page = feedback_client.get(f"/e/{code.token}")
    signed = form_token(page.text)
    tampered = signed[:-3] + ("AAA" if not signed.endswith("AAA") else "BBB")
    assert (
        feedback_client.post(f"/e/{code.token}", data={**ANSWERS, "form_token": tampered}).status_code == 403
    )

    other_device = feedback_app.test_client()
    other_device.environ_base["REMOTE_ADDR"] = fresh_address()
    other_device.get(f"/e/{code.token}")  # its own device cookie
    assert other_device.post(f"/e/{code.token}", data={**ANSWERS, "form_token": signed}).status_code == 403

    no_cookie = feedback_app.test_client()  # a cross-site POST: the SameSite=Lax cookie is not sent
    no_cookie.environ_base["REMOTE_ADDR"] = fresh_address()
    assert no_cookie.post(f"/e/{code.token}", data={**ANSWERS, "form_token": signed}).status_code == 403
    assert _rows(seeded) == []

    assert feedback_client.post(f"/e/{code.token}", data={**ANSWERS, "form_token": signed}).status_code == 200
    again = feedback_client.post(f"/e/{code.token}", data={**ANSWERS, "q1": "1", "form_token": signed})
    assert again.status_code == 200  # a resend is acknowledged ...
    assert len(_rows(seeded)) == 1 and _rows(seeded)[0].q1 == 5  # ... and counted once

    from feedback.survey.integrity import TokenError, keyed_hash, read_form_token

    cookie = feedback_client.get_cookie("fb_device").value
    device = keyed_hash(feedback_app.config["SECRET_KEY"], "device", cookie)
    with pytest.raises(TokenError, match="expired"):
        read_form_token(feedback_app.config["SECRET_KEY"], signed, device, max_age=-1)


def test_device_cookie_is_httponly_and_samesite(feedback_client, seeded):
    code = code_of(seeded, "E000001")
    page = feedback_client.get(f"/e/{code.token}")
    header = page.headers["Set-Cookie"]
    assert "fb_device=" in header and "HttpOnly" in header and "SameSite=Lax" in header


def test_no_survey_page_passes_its_token_on_as_a_referer(feedback_client, seeded):
    # The ingress logs every request's Referer: a page under /e/<token> tells the browser to send none.
    token = code_of(seeded, "E000001").token
    pages = [
        feedback_client.get(f"/e/{token}"),
        open_and_answer(feedback_client, token),
        feedback_client.get(f"/e/{token}/thanks"),
        feedback_client.get("/e/no-such-token-of-any-desk-at-all"),
    ]
    assert [p.headers["Referrer-Policy"] for p in pages] == ["no-referrer"] * 4
    assert feedback_client.get("/e").headers["Referrer-Policy"] == "same-origin"


def test_one_counted_per_device_per_employee_per_day_later_replaces(feedback_client, seeded):
    code = code_of(seeded, "E000001")
    assert open_and_answer(feedback_client, code.token).status_code == 200
    assert open_and_answer(feedback_client, code.token, answers={**ANSWERS, "q1": "1"}).status_code == 200
    first, second = _rows(seeded)
    assert first.status == REPLACED and first.replaced_by_id == second.id
    assert second.status == COUNTED and second.q1 == 1
    from feedback.rollups.models import Rollup
    from feedback.rollups.services import fold_pending

    fold_pending(seeded)
    nation = seeded.scalar(select(Rollup).where(Rollup.level == "nation"))
    assert (nation.count, nation.sum_q1) == (1, 1)


def test_device_limit_answers_429(feedback_client, seeded):
    code = code_of(seeded, "E000001")
    feedback_client.get(f"/e/{code.token}")
    answers = [feedback_client.post(f"/e/{code.token}", data={"form_token": "x"}) for _ in range(13)]
    assert [a.status_code for a in answers] == [403] * 12 + [429]
    # until the first of the twelve leaves the minute: most of it, never more
    assert 50 <= int(answers[12].headers["Retry-After"]) <= 60


def test_address_limit_answers_429_across_devices(feedback_app, seeded):
    code = code_of(seeded, "E000001")
    address = fresh_address()
    statuses = []
    for _ in range(61):
        client = feedback_app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        client.set_cookie("fb_device", f"device-{len(statuses):04d}-abcdefghijkl")
        statuses.append(client.post(f"/e/{code.token}", data={"form_token": "x"}).status_code)
    assert set(statuses[:60]) == {403} and statuses[60] == 429


def test_deactivated_and_replaced_codes_take_no_responses(feedback_client, admin_client, seeded):
    first = code_of(seeded, "E000001")
    second = code_of(seeded, "E000002")
    form_first = form_token(feedback_client.get(f"/e/{first.token}").text)
    form_second = form_token(feedback_client.get(f"/e/{second.token}").text)
    token = csrf_token(admin_client.get(f"/admin/employees/{first.employee_id}").text)
    admin_client.post(f"/admin/employees/{first.employee_id}/deactivate", data={"csrf_token": token})
    admin_client.post(f"/admin/employees/{second.employee_id}/reissue", data={"csrf_token": token})
    for code, signed in ((first, form_first), (second, form_second)):
        posted = feedback_client.post(f"/e/{code.token}", data={**ANSWERS, "form_token": signed})
        assert posted.status_code == 410
        assert feedback_client.get(f"/e/{code.token}").status_code == 410
    assert seeded.scalar(select(func.count()).select_from(Response)) == 0
