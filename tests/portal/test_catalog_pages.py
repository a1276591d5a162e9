import io

import pytest

from core.actors import Role
from tests.fixtures.catalog import GOOD, add_service, service_data
from tests.fixtures.hostile import alias_bomb
from tests.fixtures.web import csrf_token_from, parse_html


@pytest.fixture
def member(make_user, tree):
    return make_user(Role.agency_member, agency=tree.a)


@pytest.fixture
def signed(client, sign_in, member):
    sign_in(client, member)
    return client


def _post(client, path, data, page=None):
    token = csrf_token_from(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def _form(tree, **overrides):
    data = service_data(**overrides)
    return {**data, "agency_id": str(tree.a.id)}


def test_service_list_filters_and_pages_in_persian(signed, db_session, tree):
    for number in range(55):
        add_service(db_session, tree.a, f"s{number:02d}", maturity=number % 5)
    add_service(db_session, tree.b, "other-agency-svc")
    page = signed.get("/services")
    body = page.get_data(as_text=True)
    parse_html(body)
    assert page.status_code == 200 and "۵۵ خدمت پیدا شد" in body
    assert "other-agency-svc" not in body
    assert "صفحهٔ ۱ از ۲" in body and 'rel="next"' in body
    filtered = signed.get("/services?maturity=4&channel=web&q=S0").get_data(as_text=True)
    assert "۲ خدمت پیدا شد" in filtered  # s04 and s09
    second = signed.get("/services?page=2").get_data(as_text=True)
    assert "s54" in second and "s00" not in second


def test_form_errors_name_the_field_in_plain_persian(signed, tree):
    form = signed.get("/services/new").get_data(as_text=True)
    parse_html(form)
    assert "هوشمند: پیش‌دستانه یا خودکار، بدون مراجعه و بدون دخالت انسان" in form  # maturity definitions
    response = _post(
        signed,
        "/services/new",
        {**_form(tree, code="bad code"), "maturity": "9", "public_url": "x", "name_fa": ""},
    )
    body = response.get_data(as_text=True)
    parse_html(body)
    assert response.status_code == 422
    assert "سطح بلوغ: باید سطحی از ۰ تا ۴ باشد" in body
    assert "نام فارسی: لازم است و خالی مانده" in body
    assert "نشانی عمومی: باید نشانی وبی باشد که با http:// یا https:// شروع شود" in body
    assert "کد: فقط می‌تواند حروف لاتین" in body
    assert 'value="bad code"' in body  # what was typed is kept


def test_form_errors_in_english(signed, tree):
    response = _post(signed, "/services/new?lang=en", {**_form(tree), "channels": []})
    assert "Delivery channels: choose at least one delivery channel" in response.get_data(as_text=True)


def test_register_edit_history_and_a_stale_edit(signed, tree):
    created = _post(signed, "/services/new", _form(tree))
    assert created.status_code == 302
    detail_url = created.headers["Location"]
    detail = signed.get(detail_url).get_data(as_text=True)
    parse_html(detail)
    assert "صدور روادید الکترونیکی" in detail and "تماماً الکترونیکی" in detail
    edit_page = signed.get(detail_url + "/edit").get_data(as_text=True)
    token = csrf_token_from(edit_page)
    saved = signed.post(
        detail_url + "/edit", data={**service_data(maturity=4), "version": "1", "csrf_token": token}
    )
    assert saved.status_code == 302
    # a second tab still holding version 1
    stale = signed.post(
        detail_url + "/edit", data={**service_data(maturity=0), "version": "1", "csrf_token": token}
    )
    assert stale.status_code == 412
    assert "کس دیگری این مورد را تغییر داده است" in stale.get_data(as_text=True)
    history = signed.get(detail_url + "/history").get_data(as_text=True)
    parse_html(history)
    assert "سطح بلوغ" in history and "<td>۳</td><td>۴</td>" in history.replace("\n", "").replace(" ", "")
    retired = signed.post(detail_url + "/retire", data={"version": "2", "csrf_token": token})
    assert retired.status_code == 302
    assert "بازنشسته" in signed.get(detail_url).get_data(as_text=True)


def test_upload_a_descriptor_dry_run_then_for_real(signed, tree):
    def upload(text, dry_run=False):
        token = csrf_token_from(signed.get("/services/import").get_data(as_text=True))
        data = {"csrf_token": token, "file": (io.BytesIO(text.encode()), "tma.yaml")}
        if dry_run:
            data["dry_run"] = "on"
        return signed.post("/services/import", data=data, content_type="multipart/form-data")

    dry = upload(GOOD, dry_run=True)
    assert dry.status_code == 200 and "اجرای آزمایشی" in dry.get_data(as_text=True)
    assert "+ visa" in dry.get_data(as_text=True)
    assert "۲ ایجاد" in upload(GOOD).get_data(as_text=True)
    bad = upload(GOOD.replace("maturity: 3", "maturity: 7"))
    body = bad.get_data(as_text=True)
    parse_html(body)
    assert bad.status_code == 422
    assert "سطر ۹" in body and "services[0].maturity" in body and "باید سطحی از ۰ تا ۴ باشد" in body


def test_an_alias_bomb_through_the_upload_page_is_refused_naming_its_line(signed, tree):
    token = csrf_token_from(signed.get("/services/import").get_data(as_text=True))
    data = {"csrf_token": token, "file": (io.BytesIO(alias_bomb().encode()), "bomb.yaml")}
    refused = signed.post("/services/import", data=data, content_type="multipart/form-data")
    body = refused.get_data(as_text=True)
    parse_html(body)
    assert refused.status_code == 422
    assert "سطر ۲" in body and "ارجاع‌های YAML" in body and "هر مقدار را کامل بنویسید" in body


def test_agency_page_and_sub_agency_form(client, sign_in, make_user, tree, db_session):
    for number in range(51):
        add_service(db_session, tree.a, f"s{number:02d}")
    admin = make_user(Role.agency_admin, agency=tree.a)
    sign_in(client, admin)
    page = client.get(f"/agencies/{tree.a.id}").get_data(as_text=True)
    parse_html(page)
    assert "صدور روادید الکترونیکی" in page and "اداره کل آزمون الف فارس" in page
    assert "s49" in page and "s50" not in page and "همهٔ ۵۱ خدمت این دستگاه" in page  # long lists are paged
    path = f"/agencies/{tree.a1.id}/sub-agencies/new"
    bad = _post(
        client,
        path,
        {
            "code": "TMA-X",
            "name_fa": "اداره",
            "kind": "county_office",
            "province_code": "IR-07",
            "county_code": "ری",
        },
    )
    assert bad.status_code == 422
    assert "شهرستان: شهرستانی از استان انتخاب‌شده نیست" in bad.get_data(as_text=True)
    good = _post(
        client,
        path,
        {
            "code": "TMA-ABADEH",
            "name_fa": "اداره آباده",
            "kind": "county_office",
            "province_code": "IR-07",
            "county_code": "آباده",
        },
    )
    assert good.status_code == 302
    assert "اداره آباده" in client.get(f"/agencies/{tree.a1.id}").get_data(as_text=True)


def test_agency_admin_adds_and_deactivates_members(client, sign_in, make_user, tree):
    admin = make_user(Role.agency_admin, agency=tree.a)
    sign_in(client, admin)
    path = f"/agencies/{tree.a.id}/members"
    added = _post(client, path, {"email": "New.Person@tma.ir", "name": "نفر تازه", "role": "agency_member"})
    body = added.get_data(as_text=True)
    parse_html(body)
    assert added.status_code == 200 and "new.person@tma.ir" in body
    assert "دوباره نمایش داده نمی‌شود" in body
    again = client.get(path).get_data(as_text=True)
    assert 'class="token"' not in again  # the first password is shown once only
    duplicate = _post(client, path, {"email": "new.person@tma.ir", "name": "", "role": "agency_member"})
    assert duplicate.status_code == 422 and "حسابی با این رایانامه از قبل وجود دارد" in duplicate.get_data(
        as_text=True
    )
    import re

    user_id = re.search(r"/members/(\d+)/deactivate", again).group(1)
    done = _post(client, f"{path}/{user_id}/deactivate", {}, page=path)
    assert done.status_code == 302
    assert "غیرفعال" in client.get(path).get_data(as_text=True)


def test_probe_settings_in_the_edit_form_are_saved_and_bad_ones_name_their_field(signed, tree, db_session):
    from onboarding.probes.models import ProbeTarget

    detail_url = _post(signed, "/services/new", _form(tree)).headers["Location"]
    service_id = int(detail_url.rsplit("/", 1)[1])
    edit_page = signed.get(detail_url + "/edit").get_data(as_text=True)
    parse_html(edit_page)
    assert 'name="probe_interval_seconds" min="30" max="86400" value="300"' in edit_page
    token = csrf_token_from(edit_page)

    def save(version, **probe):
        data = {**service_data(), "version": version, "csrf_token": token, **probe}
        return signed.post(detail_url + "/edit?lang=en", data=data)

    bad = save("1", probe_interval_seconds="5", probe_expect_status_class="7", probe_kind="soap", name_fa="")
    body = bad.get_data(as_text=True)
    parse_html(body)
    assert bad.status_code == 422
    assert "Seconds between probes: between 30 and 86400 seconds" in body
    assert "Expected answer: one of 2, 3, 4, 5" in body
    assert "What the address is: one of health, openapi" in body
    assert 'href="#name_fa"' in body  # the catalog's own fields are named in the same answer
    assert db_session.get(ProbeTarget, service_id) is None  # nothing was saved

    saved = save(
        "1",
        probe_kind="openapi",
        probe_interval_seconds="60",
        probe_expect_status_class="2",
        probe_expect_text="openapi",
    )
    assert saved.status_code == 302
    target = db_session.get(ProbeTarget, service_id)
    assert (target.interval_seconds, target.expect_openapi, target.expect_text) == (60, True, "openapi")
    again = signed.get(detail_url + "/edit").get_data(as_text=True)
    assert '<option value="openapi" selected>' in again and 'value="60"' in again
