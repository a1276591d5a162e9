import pytest

from catalog.seed import seed_reference_agencies
from tests.fixtures.web import parse_html


def test_home_is_persian_and_right_to_left_by_default(client, db_session):
    seed_reference_agencies(db_session)
    response = client.get("/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    root = parse_html(body)
    assert root.get("lang") == "fa" and root.get("dir") == "rtl"
    assert "ابر دولت" in body
    assert "۷۹" in body  # the reference agencies, counted in Persian digits
    assert "۳۰ آبان ۱۴۰۳" in body  # the first deadline in the Jalali calendar
    assert "cdn" not in body.lower()


def test_english_is_one_click_away_and_remembered(client):
    response = client.get("/?lang=en")
    root = parse_html(response.get_data(as_text=True))
    assert root.get("lang") == "en" and root.get("dir") == "ltr"
    assert "Government Cloud" in response.get_data(as_text=True)
    assert "lang=en" in response.headers["Set-Cookie"]
    # the cookie carries the choice to the next page
    again = client.get("/")
    assert parse_html(again.get_data(as_text=True)).get("lang") == "en"


@pytest.mark.parametrize(("lang", "text"), [("fa", "صفحه پیدا نشد"), ("en", "Page not found")])
def test_error_pages_in_both_languages(client, lang, text):
    response = client.get(f"/no-such-page?lang={lang}")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)
    parse_html(response.get_data(as_text=True))


def test_api_errors_are_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_pages_forbid_other_origins(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "http" not in policy


def test_fonts_and_styles_are_served_locally(client):
    assert client.get("/static/css/app.css").status_code == 200
    font = client.get("/static/vendor/vazirmatn/Vazirmatn[wght].woff2")
    assert font.status_code == 200 and font.data[:4] == b"wOF2"
