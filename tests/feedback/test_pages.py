"""The feedback app's pages: the citizen's code pages, sign-in, and the registry admin pages."""

from __future__ import annotations

import html5lib
import pytest

from feedback.registry.national_code import mask
from tests.feedback.helpers import code_of, employee_row, seed_employees, seed_two_desks
from tests.fixtures.feedback import ADMIN_EMAIL, create_admin, csrf_token, fresh_address, sign_in


def _valid_html(text: str) -> None:
    html5lib.HTMLParser(strict=True).parse(text)


_ip = fresh_address


@pytest.fixture
def seeded(feedback_session, tmp_path):
    seed_two_desks(feedback_session, tmp_path)
    return feedback_session


def test_scan_shows_the_desk_without_personal_data_and_the_survey(feedback_client, seeded):
    code = code_of(seeded, "E000001")
    response = feedback_client.get(f"/e/{code.token}")
    assert response.status_code == 200
    _valid_html(response.text)
    text = response.text
    assert "ز. کریمی" in text and "اداره کل فناوری" in text  # the desk, as on a door plate
    assert "زهرا" not in text and "کارشناس ارشد" not in text  # no first name, no position (issue 22)
    assert "وزارت میراث فرهنگی" in text
    national = code.employee.national_code
    assert national not in text and national[-4:] not in text
    assert '<form method="post" id="survey"' in text.split('id="survey-title"')[1]


def test_deactivated_and_replaced_codes_say_so_and_unknown_is_404(feedback_client, admin_client, seeded):
    first = code_of(seeded, "E000001")
    second = code_of(seeded, "E000002")
    page = admin_client.get(f"/admin/employees/{first.employee_id}")
    token = csrf_token(page.text)
    assert (
        admin_client.post(
            f"/admin/employees/{first.employee_id}/deactivate", data={"csrf_token": token}
        ).status_code
        == 302
    )
    assert (
        admin_client.post(
            f"/admin/employees/{second.employee_id}/reissue", data={"csrf_token": token}
        ).status_code
        == 302
    )
    gone = feedback_client.get(f"/e/{first.token}?lang=en")
    assert gone.status_code == 410 and "No longer at this desk" in gone.text
    replaced = feedback_client.get(f"/e/{second.token}?lang=en")
    assert replaced.status_code == 410 and "This code was replaced" in replaced.text
    assert feedback_client.get("/e/not-a-real-token-at-all-000000000000").status_code == 404


def test_short_code_box_redirects_to_the_desk(feedback_client, seeded):
    code = code_of(seeded, "E000002")
    ip = {"REMOTE_ADDR": _ip()}
    form = feedback_client.get("/e", environ_base=ip)
    _valid_html(form.text)
    typed = (
        code.short_code[:4] + " " + code.short_code[4:].translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    )
    response = feedback_client.post(
        "/e", data={"code": typed, "csrf_token": csrf_token(form.text)}, environ_base=ip
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/e/{code.token}")
    wrong = feedback_client.post(
        "/e", data={"code": "123456789012", "csrf_token": csrf_token(form.text)}, environ_base=ip
    )
    assert wrong.status_code == 404 and 'role="alert"' in wrong.text


def test_short_code_lookups_are_rate_limited_per_address(feedback_client, seeded):
    ip = {"REMOTE_ADDR": _ip()}
    token = csrf_token(feedback_client.get("/e", environ_base=ip).text)
    statuses = [
        feedback_client.post(
            "/e", data={"code": f"{n:012d}", "csrf_token": token}, environ_base=ip
        ).status_code
        for n in range(12)
    ]
    assert statuses[:10] == [404] * 10
    assert statuses[10:] == [429, 429]
    other = {"REMOTE_ADDR": _ip()}
    assert (
        feedback_client.post("/e", data={"code": "1", "csrf_token": token}, environ_base=other).status_code
        == 404
    )


def test_forms_without_a_csrf_token_are_refused(feedback_client, seeded):
    response = feedback_client.post("/e", data={"code": "123"}, environ_base={"REMOTE_ADDR": _ip()})
    assert response.status_code == 400


def test_registry_pages_need_a_registry_admin(feedback_client, feedback_session):
    create_admin(feedback_session)
    for path in ("/admin/", "/admin/employees", "/admin/import", "/admin/print", "/admin/counties"):
        response = feedback_client.get(path)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"], path
    assert feedback_client.get("/admin/jobs/1.json").status_code == 401
    ip = {"REMOTE_ADDR": _ip()}
    page = feedback_client.get("/sign-in", environ_base=ip)
    _valid_html(page.text)
    wrong = feedback_client.post(
        "/sign-in",
        data={"email": ADMIN_EMAIL, "password": "not the password", "csrf_token": csrf_token(page.text)},
        environ_base=ip,
    )
    assert wrong.status_code == 401
    sign_in(feedback_client, ip["REMOTE_ADDR"])
    overview = feedback_client.get("/admin/")
    assert overview.status_code == 200
    _valid_html(overview.text)


def test_sign_in_is_rate_limited(feedback_client, feedback_session):
    create_admin(feedback_session)
    ip = {"REMOTE_ADDR": _ip()}
    token = csrf_token(feedback_client.get("/sign-in", environ_base=ip).text)
    statuses = [
        feedback_client.post(
            "/sign-in", data={"email": ADMIN_EMAIL, "password": "guess", "csrf_token": token}, environ_base=ip
        ).status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]


def test_sign_in_never_redirects_off_site(feedback_client, feedback_session):
    create_admin(feedback_session)
    ip = {"REMOTE_ADDR": _ip()}
    page = feedback_client.get("/sign-in", environ_base=ip)
    response = feedback_client.post(
        "/sign-in?next=//evil.example/x",
        data={
            "email": ADMIN_EMAIL,
            "password": "a long enough password",
            "csrf_token": csrf_token(page.text),
        },
        environ_base=ip,
    )
    assert response.headers["Location"] == "/admin/"


def test_employee_page_masks_the_national_code(admin_client, seeded):
    code = code_of(seeded, "E000001")
    page = admin_client.get(f"/admin/employees/{code.employee_id}?lang=en")
    assert page.status_code == 200
    _valid_html(page.text)
    assert mask(code.employee.national_code) in page.text
    assert code.employee.national_code not in page.text
    listing = admin_client.get("/admin/employees?q=کریمی")
    assert "زهرا کریمی" in listing.text and code.employee.national_code not in listing.text
    sheet = admin_client.get(f"/admin/employees/{code.employee_id}/sheet.pdf")
    assert sheet.status_code == 200 and sheet.data.startswith(b"%PDF")


def test_counties_page_adds_a_county_and_refuses_an_existing_one(admin_client, seeded):
    page = admin_client.get("/admin/counties")
    _valid_html(page.text)
    token = csrf_token(page.text)
    added = admin_client.post(
        "/admin/counties",
        data={"province": "IR-23", "name_fa": "پردیس نو", "name_en": "", "csrf_token": token},
    )
    assert added.status_code == 302
    assert "پردیس نو" in admin_client.get("/admin/counties").text
    existing = admin_client.post(
        "/admin/counties", data={"province": "IR-23", "name_fa": "ری", "name_en": "", "csrf_token": token}
    )
    assert existing.status_code == 400


def test_print_form_explains_a_bad_batch(admin_client, seeded):
    page = admin_client.get("/admin/print")
    _valid_html(page.text)
    response = admin_client.post(
        "/admin/print?lang=en",
        data={"agency_code": "", "province": "", "unit": "", "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 400 and 'role="alert"' in response.text


def test_upload_refuses_a_file_without_the_columns(admin_client, seeded, tmp_path):
    import io

    page = admin_client.get("/admin/import")
    _valid_html(page.text)
    response = admin_client.post(
        "/admin/import?lang=en",
        data={
            "file": (io.BytesIO(b"name,unit\nx,y\n"), "bad.csv"),
            "csrf_token": csrf_token(page.text),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "employment_code" in response.text


def test_errors_are_worded_in_persian(admin_client, seeded):
    import io

    page = admin_client.get("/admin/import")
    response = admin_client.post(
        "/admin/import",
        data={"file": (io.BytesIO(b"name,unit\nx,y\n"), "bad.csv"), "csrf_token": csrf_token(page.text)},
        content_type="multipart/form-data",
    )
    assert "سطر عنوان این ستون‌ها را ندارد" in response.text and "employment_code" in response.text
    response = admin_client.post(
        "/admin/print",
        data={"agency_code": "MOI", "province": "", "unit": "", "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 400 and "هیچ کارمند فعالی در این دسته نیست" in response.text


def test_employee_search_by_employment_code_in_persian_digits(admin_client, feedback_session, tmp_path):
    seed_employees(feedback_session, tmp_path, [employee_row(1, employment_code="4521"), employee_row(2)])
    listing = admin_client.get("/admin/employees?q=۴۵۲۱&lang=en")
    assert "1 employees" in listing.text
    assert "E000002" not in listing.text


def test_readiness_checks_the_feedback_database_and_broker(feedback_client):
    answer = feedback_client.get("/readyz").get_json()
    assert answer["checks"] == {"database": "ok", "broker": "ok"}
