"""The feedback service's audit trail (issue 21): deactivating, reactivating and reissuing an
employee, editing the survey questions and managing dashboard accounts each add an entry in the same
transaction (who, when, through what, old and new), shown on the employee's page and on the
registry admin's searchable page, exported as CSV and JSON lines; the database refuses to change or
remove an entry; dashboard accounts cannot read it."""

from __future__ import annotations

import json

import html5lib
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from core.actors import SYSTEM
from feedback.accounts.services import create_viewer, set_bale_chat
from feedback.audit import AuditEvent
from tests.feedback.helpers import code_of, seed_two_desks
from tests.fixtures.feedback import ADMIN_EMAIL, csrf_token, fresh_address, sign_in

PASSWORD = "a long enough passphrase 42"


def _entries(session, resource, label=""):
    query = select(AuditEvent).where(AuditEvent.resource == resource).order_by(AuditEvent.id)
    if label:
        query = query.where(AuditEvent.label == label)
    return list(session.scalars(query))


@pytest.fixture
def seeded(feedback_session, tmp_path):
    seed_two_desks(feedback_session, tmp_path)
    return feedback_session


def test_employee_changes_are_recorded_and_shown_on_its_page(admin_client, seeded):
    employee_id = code_of(seeded, "E000001").employee_id
    old_code = code_of(seeded, "E000001").id
    token = csrf_token(admin_client.get(f"/admin/employees/{employee_id}").text)
    for action in ("reissue", "deactivate", "activate"):
        response = admin_client.post(f"/admin/employees/{employee_id}/{action}", data={"csrf_token": token})
        assert response.status_code == 302
    reissued, deactivated, activated = _entries(seeded, "employee")
    assert reissued.action == "code_reissued" and reissued.changes["code_id"][0] == old_code
    assert reissued.changes["code_id"][1] == code_of(seeded, "E000001").id != old_code
    assert deactivated.changes == {"active": [True, False]} and activated.changes == {"active": [False, True]}
    assert {e.actor_label for e in (reissued, deactivated, activated)} == {ADMIN_EMAIL}
    assert {e.via for e in (reissued, deactivated, activated)} == {"page"}
    assert deactivated.label == "MCTH/E000001"
    page = admin_client.get(f"/admin/employees/{employee_id}?lang=en").text
    html5lib.HTMLParser(strict=True).parse(page)
    assert page.count("code_reissued") == 1 and "deactivated" in page and ADMIN_EMAIL in page


def test_question_edits_and_dashboard_accounts_are_recorded_without_secrets(admin_client, feedback_session):
    questions = admin_client.get("/admin/survey/questions")
    token = csrf_token(questions.text)
    texts = {f"q{n}_{lang}": f"پرسش {n} {lang}" for n in range(1, 5) for lang in ("fa", "en")}
    assert (
        admin_client.post("/admin/survey/questions", data={"csrf_token": token, **texts}).status_code == 302
    )
    edits = _entries(feedback_session, "question")
    assert [e.resource_id for e in edits] == [1, 2, 3, 4]
    assert edits[0].changes["text_fa"] == ["رضایت از کیفیت انجام کار", "پرسش 1 fa"]

    created = admin_client.post(
        "/admin/viewers",
        data={
            "csrf_token": token,
            "email": "head@viewer.example.ir",
            "scope": "nation",
            "password": PASSWORD,
        },
    )
    assert created.status_code in (200, 302), created.text
    (admin,) = _entries(feedback_session, "account", ADMIN_EMAIL)  # the operator's, by the CLI's actor
    assert admin.via == "cli" and admin.changes["role"] == [None, "registry_admin"]
    account = _entries(feedback_session, "account", "head@viewer.example.ir")[0]
    assert account.action == "created" and account.changes["scope"] == [None, "nation"]
    assert (
        admin_client.post(
            f"/admin/viewers/{account.resource_id}/reset-password", data={"csrf_token": token}
        ).status_code
        == 200
    )
    assert (
        admin_client.post(
            f"/admin/viewers/{account.resource_id}/deactivate", data={"csrf_token": token}
        ).status_code
        == 302
    )
    set_bale_chat(feedback_session, SYSTEM, "head@viewer.example.ir", 4242)
    actions = [(e.action, e.via) for e in _entries(feedback_session, "account", "head@viewer.example.ir")]
    assert actions == [
        ("created", "page"),
        ("password_reset", "page"),
        ("deactivated", "page"),
        ("bale_chat_set", "cli"),
    ]
    everything = json.dumps(
        [e.changes for e in _entries(feedback_session, "account", "head@viewer.example.ir")]
    )
    assert PASSWORD not in everything and "hash" not in everything


def test_the_trail_is_searched_and_exported_by_registry_admins_only(
    admin_client, feedback_app, feedback_session
):
    create_viewer(feedback_session, SYSTEM, "one@viewer.example.ir", PASSWORD, "nation")
    create_viewer(feedback_session, SYSTEM, "two@viewer.example.ir", PASSWORD, "province:IR-23")
    page = admin_client.get("/admin/audit?q=two@&lang=en")
    assert page.status_code == 200
    html5lib.HTMLParser(strict=True).parse(page.text)
    assert "two@viewer.example.ir" in page.text and "one@viewer.example.ir" not in page.text
    assert admin_client.get("/admin/audit?since=not-a-date").status_code == 400
    lines = admin_client.get("/admin/audit/export.jsonl?resource=account&q=@viewer").text.splitlines()
    assert [json.loads(line)["label"] for line in lines] == ["one@viewer.example.ir", "two@viewer.example.ir"]
    csv_text = admin_client.get("/admin/audit/export.csv").text
    assert csv_text.startswith("\ufeffid,at,actor_id,actor,via,resource") and "province:IR-23" in csv_text
    assert admin_client.get("/admin/audit/export.xml").status_code == 404

    viewer = feedback_app.test_client()
    sign_in(viewer, fresh_address(), email="one@viewer.example.ir", password=PASSWORD)
    for path in ("/admin/audit", "/admin/audit/export.csv"):
        assert viewer.get(path).status_code in (302, 403)
    assert feedback_app.test_client().get("/admin/audit").status_code == 302


def test_the_database_refuses_to_change_or_remove_an_entry(feedback_session):
    create_viewer(feedback_session, SYSTEM, "kept@viewer.example.ir", PASSWORD, "nation")
    feedback_session.flush()
    for statement in ("UPDATE audit_events SET label = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), feedback_session.begin_nested():
            feedback_session.execute(text(statement))
    assert [e.label for e in _entries(feedback_session, "account")] == ["kept@viewer.example.ir"]


def test_sign_ins_and_own_password_changes_are_recorded_without_the_password(feedback_app, feedback_session):
    from feedback.accounts.services import authenticate, change_password

    account = create_viewer(feedback_session, SYSTEM, "signs@viewer.example.ir", PASSWORD, "nation")
    assert authenticate(feedback_session, "signs@viewer.example.ir", "not the password", "192.0.2.0") is None
    assert authenticate(feedback_session, "nobody@viewer.example.ir", PASSWORD, "192.0.2.0") is None
    assert authenticate(feedback_session, "Signs@viewer.example.ir", PASSWORD, "192.0.2.0") is not None
    change_password(feedback_session, account.id, PASSWORD, "another long passphrase 77")
    sign_ins = [(e.action, e.label, e.resource_id) for e in _entries(feedback_session, "sign_in")]
    assert sign_ins == [
        ("sign_in_failed", "signs@viewer.example.ir", account.id),
        ("sign_in_failed", "nobody@viewer.example.ir", None),
        ("signed_in", "signs@viewer.example.ir", account.id),
    ]
    changed = _entries(feedback_session, "account", "signs@viewer.example.ir")[-1]
    assert changed.action == "password_changed" and changed.actor_id == account.id and changed.changes == {}
    everything = json.dumps([e.changes for e in _entries(feedback_session, "sign_in")])
    assert PASSWORD not in everything and "not the password" not in everything
