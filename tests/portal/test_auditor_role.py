"""The auditor role (issue 21): an operator creates one with `govcloud users create --role auditor`;
it searches and exports the whole audit trail and reads every agency, and changes nothing (the role
matrix, tests/portal/access_matrix.py, walks every route as an auditor too). Overseers read every
agency but not the trail."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from catalog import services as catalog_services
from core.actors import SYSTEM, Role
from core.db import make_sessionmaker
from portal.accounts import services as accounts
from portal.accounts.models import User
from portal.cli import main
from tests.feedback.helpers import cli_env
from tests.fixtures.web import parse_html


def test_an_operator_creates_an_auditor_from_the_command_line(settings, committed_platform):
    created = CliRunner().invoke(
        main,
        [
            "users",
            "create",
            "auditor@cloud.gov.ir",
            "--role",
            "auditor",
            "--password",
            "a long passphrase 31",
        ],
        env=cli_env(settings),
    )
    assert created.exit_code == 0, created.output
    assert "created auditor@cloud.gov.ir (auditor)" in created.output
    with make_sessionmaker(committed_platform)() as session:
        user = session.scalars(select(User).where(User.email == "auditor@cloud.gov.ir")).one()
        assert user.role == Role.auditor and user.agency_id is None
        actor = accounts.actor_for(session, user)
        assert actor.reads_everything and not actor.is_platform_admin
    refused = CliRunner().invoke(
        main,
        [
            "users",
            "create",
            "x@cloud.gov.ir",
            "--role",
            "auditor",
            "--agency",
            "MCTH",
            "--password",
            "p" * 14,
        ],
        env=cli_env(settings),
    )
    assert refused.exit_code != 0  # an auditor belongs to no agency


def test_the_auditor_searches_and_exports_every_agency_and_overseers_do_not(
    client, db_session, make_agency, make_user, sign_in
):
    one, two = make_agency(), make_agency()
    for agency in (one, two):
        catalog_services.update_agency(
            db_session,
            SYSTEM,
            agency.id,
            {"name_en": f"Renamed {agency.code}"},
            expected_version=None,
            via="cli",
        )
    auditor = make_user(Role.auditor)
    sign_in(client, auditor)
    page = client.get(f"/audit?q={one.code}")
    assert page.status_code == 200
    parse_html(page.get_data(as_text=True))
    assert one.code in page.get_data(as_text=True)
    lines = client.get("/audit/export.jsonl?resource=agency").get_data(as_text=True).splitlines()
    assert {one.code, two.code} <= {json.loads(line)["label"] for line in lines}
    assert client.get("/audit/export.csv").status_code == 200
    assert client.get(f"/agencies/{one.id}").status_code == 200  # reads every agency
    assert client.get("/agencies/new").status_code == 403  # and changes nothing

    sign_in(client, make_user(Role.overseer))
    assert client.get("/audit").status_code == 403
    assert client.get(f"/agencies/{one.id}").status_code == 200
