"""Programs and milestones (the law's deadlines) are protected like services: the API needs
If-Match (428 without, 412 when stale), two concurrent edits of a milestone give one 412, and every
change is in the audit trail with its old and new value."""

import datetime as dt

import pytest
from sqlalchemy import select

from catalog import trail
from catalog.models import AuditEvent
from core.actors import SYSTEM, Role
from core.db import make_sessionmaker
from core.errors import PreconditionFailed
from onboarding.compliance import services
from tests.onboarding.compliance import factories


@pytest.fixture
def admin_headers(api_headers, make_user):
    return api_headers(make_user(Role.platform_admin))


def test_milestone_edits_need_if_match_and_a_stale_one_is_412(client, db_session, admin_headers):
    program = factories.program(db_session)
    milestone = factories.milestone(db_session, program, "electronic", 1.0, dt.date(2024, 11, 20))
    db_session.commit()
    url = f"/api/v1/programs/{program.id}/milestones/{milestone.id}"
    listed = client.get(f"/api/v1/programs/{program.id}", headers=admin_headers)
    assert listed.headers["ETag"] == '"1"' and listed.json["milestones"][0]["version"] == 1
    assert client.patch(url, json={"target": 0.5}, headers=admin_headers).status_code == 428
    first = client.patch(url, json={"deadline": "2024-12-20"}, headers={**admin_headers, "If-Match": '"1"'})
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    second = client.patch(url, json={"deadline": "2025-01-19"}, headers={**admin_headers, "If-Match": '"1"'})
    assert second.status_code == 412
    assert client.delete(url, headers={**admin_headers, "If-Match": '"1"'}).status_code == 412
    (event,) = trail.list_events(
        db_session, trail.TrailFilter(resource="milestone", resource_id=milestone.id)
    )
    assert event.via == "api" and event.changes == {"deadline": ["2024-11-20", "2024-12-20"]}
    program_url = f"/api/v1/programs/{program.id}"
    assert client.patch(program_url, json={"title_en": "x"}, headers=admin_headers).status_code == 428
    renamed = client.patch(
        program_url, json={"title_en": "Law"}, headers={**admin_headers, "If-Match": '"1"'}
    )
    assert renamed.status_code == 200 and renamed.headers["ETag"] == '"2"'
    assert client.delete(url, headers={**admin_headers, "If-Match": '"2"'}).status_code == 204


def test_two_concurrent_edits_of_a_milestone_give_one_precondition_failure(committed_platform):
    """Two transactions read version 1 and both write: the database lets one through and the other
    changes nothing (the version in its UPDATE no longer matches)."""
    factory = make_sessionmaker(committed_platform)
    with factory() as setup:
        program = factories.program(setup)
        milestone_id = factories.milestone(setup, program, "smart", 0.2, dt.date(2025, 1, 19)).id
        setup.commit()
    outcomes = []
    with factory() as one, factory() as two:
        from onboarding.compliance import queries

        queries.get_milestone(one, milestone_id), queries.get_milestone(two, milestone_id)
        for session, deadline in ((one, "2025-02-01"), (two, "2025-03-01")):
            try:
                services.update_milestone(
                    session, SYSTEM, milestone_id, {"deadline": deadline}, expected_version=1
                )
                outcomes.append("saved")
            except PreconditionFailed:
                outcomes.append("412")
    assert outcomes == ["saved", "412"]
    with factory() as check:
        changes = check.scalars(
            select(AuditEvent.changes).where(
                AuditEvent.resource == "milestone", AuditEvent.resource_id == milestone_id
            )
        ).all()
    assert changes == [{"deadline": ["2025-01-19", "2025-02-01"]}]


def test_two_people_saving_a_milestone_at_once_over_http_get_one_412(live_portal, committed_platform):
    """Two API clients, each holding the milestone at version 1, send their PATCH together through
    the live portal: whichever the database takes first is saved, the other is 412 and changes
    nothing, in either order."""
    import json
    import threading
    import urllib.error
    import urllib.request

    from portal.accounts import services as accounts

    factory = make_sessionmaker(committed_platform)
    with factory() as setup:
        program = factories.program(setup)
        milestone_id = factories.milestone(setup, program, "inquiries_online", 1.0, dt.date(2024, 12, 20)).id
        admins = [
            accounts.create_user(
                setup,
                SYSTEM,
                email=f"admin{n}@cloud.gov.ir",
                name="",
                role=Role.platform_admin,
                agency_id=None,
                password="a long enough passphrase 9",
            )
            for n in (1, 2)
        ]
        tokens = [accounts.issue_token(setup, SYSTEM, admin.id, "race")[1] for admin in admins]
        setup.commit()
        program_id = program.id
    url = f"{live_portal.url}/api/v1/programs/{program_id}/milestones/{milestone_id}"
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def save(token: str, deadline: str) -> None:
        request = urllib.request.Request(
            url,
            data=json.dumps({"deadline": deadline}).encode(),
            method="PATCH",
            headers={
                "Authorization": f"Bearer {token}",
                "If-Match": '"1"',
                "Content-Type": "application/json",
            },
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as exc:
            statuses.append(exc.code)

    threads = [
        threading.Thread(target=save, args=(token, deadline))
        for token, deadline in zip(tokens, ("2025-02-01", "2025-03-01"), strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [200, 412]
    with factory() as check:
        changes = check.scalars(
            select(AuditEvent.changes).where(
                AuditEvent.resource == "milestone", AuditEvent.resource_id == milestone_id
            )
        ).all()
        assert len(changes) == 1 and changes[0]["deadline"][0] == "2024-12-20"
