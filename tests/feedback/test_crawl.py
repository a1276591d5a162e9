"""The feedback service crawled as each kind of account: a registry admin, dashboard accounts of
the nation, a province, an agency and a unit, and a registry account scoped to a county. From the
home page and an employee's survey, every link is followed and every form submitted as shown, empty
and with hostile values (tests/fixtures/crawl.py): no answer is a 5xx. The scoped accounts never
see, and never change, what lies outside their scope: another agency's unit (SSO, in another
province) and, for the unit, another unit of its own agency; for the county's registry account,
another county's employee.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from core.actors import SYSTEM
from feedback.accounts.services import create_account, create_viewer
from feedback.db import FeedbackBase
from feedback.registry.models import Employee
from feedback.survey.questions import seed_questions
from tests.feedback.dashboard_helpers import UNIT, add_report, add_responses
from tests.feedback.helpers import code_of, employee_row, seed_employees
from tests.fixtures.crawl import Crawler, texts_of, url_shape
from tests.fixtures.feedback import (
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    create_admin,
    csrf_token,
    fresh_address,
    sign_in,
)
from tests.fixtures.fuzzing import unhandled_errors

OTHER_UNIT = "واحد نشانگر بیرونی"  # a unit outside every scoped account's scope, named to be found
OTHER_OFFICE = "دفتر نشانگر بیرونی"
ACCOUNTS = {
    "registry_admin": None,
    "nation": "nation",
    "province": "province:IR-23",
    "agency": "agency:ITO",
    "unit": f"unit:ITO/{UNIT}",
    "county_registry": "county:2301",  # a registry account scoped to Tehran county (issue 13)
}
SCOPED = {"province", "agency", "unit"}


def skip(method: str, url: str) -> str | None:
    """The only requests the crawl does not make, each because it would end the crawl itself."""
    if url.startswith("/sign-out"):
        return "signing out ends the crawl's session"
    return None


def _world(session: Any, tmp_path: Any) -> str:
    """Employees, answers and reports inside and outside the scopes; returns an own survey's token."""
    seed_employees(
        session,
        tmp_path,
        [
            employee_row(1, agency_code="ITO", unit=UNIT),
            # in another province, as its answers are: outside the province account's scope too
            employee_row(
                2, agency_code="SSO", unit=OTHER_UNIT, last_name=OTHER_UNIT, province="فارس", county="شیراز"
            ),
        ],
    )
    seed_questions(session)
    add_responses(session, 1, (4, 4, 4, 4), 6)
    add_responses(session, 2, (2, 2, 2, 2), 6, unit=OTHER_UNIT, agency="SSO", county="0001", province="IR-00")
    add_report(session, "سازمان فناوری اطلاعات ایران", "IR-23")
    other = add_report(session, "سازمان تأمین اجتماعی", "IR-00")
    other.office_name = OTHER_OFFICE
    session.commit()
    return code_of(session, "E000001").token


def outside_rows(session: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the feedback database that belongs to SSO (the agency outside the scopes)."""
    session.expire_all()
    rows = {}
    for table in FeedbackBase.metadata.sorted_tables:
        if "agency_code" in table.c:
            order = list(table.primary_key.columns) or list(table.c)
            query = sa.select(table).where(table.c.agency_code == "SSO").order_by(*order)
            rows[table.name] = [tuple(r) for r in session.execute(query)]
    return rows


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_every_page_and_form_as_each_account(feedback_app, feedback_session, tmp_path, account):
    token = _world(feedback_session, tmp_path)
    email, scope = ADMIN_EMAIL, ACCOUNTS[account]
    if scope is None:
        create_admin(feedback_session)
    elif account == "county_registry":
        email = "county@registry.example.ir"
        create_account(feedback_session, SYSTEM, email, ADMIN_PASSWORD, place=scope)
    else:
        email = f"{account}@viewer.example.ir"
        create_viewer(feedback_session, SYSTEM, email, ADMIN_PASSWORD, scope)
    client = feedback_app.test_client()
    client.environ_base["REMOTE_ADDR"] = fresh_address()
    sign_in(client, client.environ_base["REMOTE_ADDR"], email=email, password=ADMIN_PASSWORD)
    before = outside_rows(feedback_session)

    feedback_app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 answers, as in production
    with unhandled_errors(feedback_app) as errors:
        crawler = Crawler(
            client, skip=skip, other_ids=("SSO", "agency:SSO", "province:IR-00"), causes=errors.take
        )
        crawl = crawler.crawl(["/", f"/e/{token}", "/report-missing-code", "/transparency"])

    assert [str(answer) for answer in crawl.server_errors] == []
    reached = {f"{a.method} {url_shape(a.url)}" for a in crawl.answers if a.status == 200}
    assert {"GET /report-missing-code", "GET /transparency", "GET " + url_shape(f"/e/{token}")} <= reached
    registry = scope is None or account == "county_registry"
    assert ("GET /admin/employees/N" if registry else "GET /dashboard") in reached
    assert set(crawl.skipped) <= {"POST /sign-out"}
    if account in SCOPED:
        assert texts_of(crawl.pages, (OTHER_UNIT, OTHER_OFFICE)) == []
        assert outside_rows(feedback_session) == before
    elif account == "county_registry":  # Shiraz's employee and the other province's report unseen, unchanged
        assert texts_of(crawl.pages, (OTHER_UNIT, OTHER_OFFICE)) == []
        outside = sa.select(Employee).where(Employee.county_code != "2301")
        assert [e.employment_code for e in feedback_session.scalars(outside)] == ["E000002"]
        assert feedback_session.scalars(outside).one().active
    elif account == "registry_admin":
        assert texts_of(crawl.pages, (OTHER_UNIT,)), "the registry shows every agency: the check can fail"


def test_nul_in_a_public_form_is_a_422_not_a_500(feedback_client):
    """What the crawl found first: a NUL reached PostgreSQL from the report form's text (a 500)."""
    page = feedback_client.get("/report-missing-code")
    response = feedback_client.post(
        "/report-missing-code",
        data={
            "csrf_token": csrf_token(page.text),
            "agency": "سازمان فناوری اطلاعات ایران",
            "province": "IR-23",
            "office_name": "شعبه\x00 مرکزی",
            "office_address": "خیابان آزادی، پلاک ۱",
        },
    )
    assert response.status_code == 422
