"""Staff pages are set in Vazirmatn; citizens' pages stay light and use the phone's own font."""


def test_staff_pages_load_vazirmatn(admin_client):
    page = admin_client.get("/admin/viewers").get_data(as_text=True)
    assert "css/fonts.css" in page
    css = admin_client.get("/static/css/fonts.css").get_data(as_text=True)
    assert "Vazirmatn[wght].woff2" in css
    font = admin_client.get("/static/vendor/vazirmatn/Vazirmatn[wght].woff2")
    assert font.status_code == 200 and font.data[:4] == b"wOF2"


def test_citizen_pages_do_not_download_a_font(feedback_client):
    for path in ("/report-missing-code", "/e", "/transparency"):
        page = feedback_client.get(path)
        assert page.status_code == 200, path
        assert "fonts.css" not in page.get_data(as_text=True), path
