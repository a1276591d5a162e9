"""Agency pages: the tree, adding a top-level agency, editing and moving, deactivating (refused while
in use, with the reason), and each change on the agency's page and the audit page."""

import pytest

from catalog.models import Agency
from core.actors import Role
from tests.fixtures.catalog import add_service
from tests.fixtures.web import csrf_token_from, parse_html


@pytest.fixture
def admin(client, sign_in, make_user):
    sign_in(client, make_user(Role.platform_admin))
    return client


def _post(client, path, data, page):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def test_the_agency_list_is_a_tree(admin, tree):
    body = admin.get("/agencies").get_data(as_text=True)
    parse_html(body)
    # A1 is nested in A's branch: a list inside A's item
    a_item = body.index(tree.a.name_fa)
    assert a_item < body.index(tree.a1.name_fa) < body.index("</li>", body.index(tree.a1.name_fa))
    assert body.count("<ul>") >= 2
    searched = admin.get("/agencies?q=FARS").get_data(as_text=True)
    assert tree.a1.name_fa in searched and tree.b.name_fa not in searched


def test_add_edit_move_and_deactivate_from_pages(admin, db_session, tree):
    added = _post(
        admin,
        "/agencies/new",
        {"code": "PAGE-ORG", "name_fa": "سازمان صفحه", "kind": "organization"},
        "/agencies/new",
    )
    assert added.status_code == 302
    agency = db_session.query(Agency).filter_by(code="PAGE-ORG").one()
    edit = f"/agencies/{agency.id}/edit"
    form = admin.get(edit).get_data(as_text=True)
    parse_html(form)
    cycle = _post(
        admin,
        edit,
        {
            "code": "PAGE-ORG",
            "name_fa": "سازمان صفحه",
            "kind": "organization",
            "parent_id": str(agency.id),
            "version": "1",
        },
        edit,
    )
    assert cycle.status_code == 422
    moved = _post(
        admin,
        edit,
        {
            "code": "PAGE-ORG",
            "name_fa": "سازمان جابه‌جا",
            "kind": "organization",
            "parent_id": str(tree.a.id),
            "version": "1",
        },
        edit,
    )
    assert moved.status_code == 302
    db_session.expire_all()
    assert agency.parent_id == tree.a.id and agency.version == 2
    stale = _post(
        admin,
        edit,
        {
            "code": "PAGE-ORG",
            "name_fa": "دیر",
            "kind": "organization",
            "parent_id": str(tree.a.id),
            "version": "1",
        },
        edit,
    )
    assert stale.status_code == 422 and "version" in stale.get_data(as_text=True)
    add_service(db_session, agency)
    page = f"/agencies/{agency.id}"
    refused = _post(admin, page + "/deactivate", {"version": "2"}, page)
    body = refused.get_data(as_text=True)
    parse_html(body)
    assert refused.status_code == 422 and "خدمت" in body
    shown = admin.get(page).get_data(as_text=True)
    assert "سازمان جابه‌جا" in shown and "سازمان صفحه" in shown  # the move's old and new names in the history


def test_the_audit_page_searches_and_exports(admin, db_session, tree):
    _post(
        admin,
        "/agencies/new",
        {"code": "AUD-ORG", "name_fa": "سازمان ممیزی", "kind": "organization"},
        "/agencies/new",
    )
    page = admin.get("/audit?resource=agency&q=AUD-ORG")
    body = page.get_data(as_text=True)
    parse_html(body)
    assert page.status_code == 200 and "AUD-ORG" in body
    assert admin.get("/audit?since=yesterday").status_code == 422
    csv_text = admin.get("/audit/export.csv?resource=agency").get_data(as_text=True)
    assert csv_text.startswith("\ufeffid,at,") and "AUD-ORG" in csv_text
    lines = admin.get("/audit/export.jsonl?resource=agency").get_data(as_text=True).splitlines()
    assert any('"label": "AUD-ORG"' in line for line in lines)
    signed_in = admin.get("/audit/export.jsonl?resource=sign_in").get_data(as_text=True)
    assert '"action": "signed_in"' in signed_in
