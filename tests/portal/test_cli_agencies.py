"""`govcloud agencies`: add, edit, move, deactivate and list, each in the audit trail as via=cli."""

from click.testing import CliRunner
from sqlalchemy import select

from catalog.models import Agency, AuditEvent
from core.db import make_sessionmaker
from portal.cli import main


def _env(settings):
    return {
        "GOVCLOUD_DATABASE_URL": settings.database_url,
        "GOVCLOUD_FEEDBACK_DATABASE_URL": settings.feedback_database_url,
        "GOVCLOUD_VAR_DIR": settings.var_dir,
    }


def test_agencies_from_the_command_line(settings, committed_platform):
    runner = CliRunner()
    env = _env(settings)

    def run(*args):
        return runner.invoke(main, ["agencies", *args], env=env)

    assert run("add", "CLI-MIN", "--name-fa", "وزارت", "--kind", "ministry").exit_code == 0
    added = run("add", "CLI-ORG", "--name-fa", "سازمان", "--kind", "organization", "--parent", "CLI-MIN")
    assert added.exit_code == 0, added.output
    assert run("add", "CLI-TWO", "--name-fa", "دوم", "--kind", "organization").exit_code == 0
    assert run("edit", "CLI-ORG", "--name-en", "Org").exit_code == 0
    moved = run("move", "CLI-ORG", "--under", "CLI-TWO")
    assert moved.exit_code == 0 and "under CLI-TWO" in moved.output
    cycle = run("move", "CLI-TWO", "--under", "CLI-ORG")
    assert cycle.exit_code != 0 and "parent_id" in cycle.output
    assert run("deactivate", "CLI-TWO").exit_code != 0  # CLI-ORG is still active under it
    assert run("deactivate", "CLI-ORG").exit_code == 0
    listed = run("list", "--under", "CLI-TWO")
    assert "CLI-ORG\torganization\tunder CLI-TWO\tdeactivated" in listed.output
    with make_sessionmaker(committed_platform)() as session:
        org = session.scalar(select(Agency).where(Agency.code == "CLI-ORG"))
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.resource == "agency", AuditEvent.resource_id == org.id)
            .order_by(AuditEvent.id)
        ).all()
        vias = set(session.scalars(select(AuditEvent.via).where(AuditEvent.resource_id == org.id)))
    assert actions == ["created", "updated", "moved", "deactivated"] and vias == {"cli"}
