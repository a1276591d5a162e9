"""The seed steps in portal/demo.py: the default program is reference data, the 1405 sample is demo only."""

from sqlalchemy import func, select

from onboarding.compliance.models import ComplianceSnapshot, Program


def test_default_program_is_seeded_without_demo_and_demo_adds_figures(settings, db_session, feedback_session):
    from portal.demo import seed_platform

    lines = seed_platform(settings, db_session, feedback_session, demo=False)
    assert "compliance program: 5 added, 0 unchanged" in lines
    assert db_session.scalars(select(Program.code)).all() == ["budget-1403-c7"]
    seed_platform(settings, db_session, feedback_session, demo=True)
    again = seed_platform(settings, db_session, feedback_session, demo=True)
    assert "compliance program: 0 added, 5 unchanged" in again
    assert sorted(db_session.scalars(select(Program.code))) == ["budget-1403-c7", "demo-1405"]
    assert db_session.scalar(select(func.count()).select_from(ComplianceSnapshot)) > 0


def test_snapshot_command(settings, committed_platform):
    from click.testing import CliRunner

    from portal.cli import main

    env = {"GOVCLOUD_DATABASE_URL": settings.database_url, "GOVCLOUD_VAR_DIR": settings.var_dir}
    bad = CliRunner().invoke(main, ["compliance", "snapshot", "--day", "1403/13/01"], env=env)
    assert bad.exit_code != 0 and "--day" in bad.output
    ok = CliRunner().invoke(main, ["compliance", "snapshot", "--day", "1403/08/30"], env=env)
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("2024-11-20: 0 rows")
