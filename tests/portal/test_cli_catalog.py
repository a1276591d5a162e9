from click.testing import CliRunner
from sqlalchemy import func, select

from catalog.models import EService
from catalog.seed import seed_reference_agencies
from core.db import make_sessionmaker
from portal.cli import main
from portal.demo import DEMO_PROBED
from tests.fixtures.catalog import GOOD


def _env(settings):
    return {
        "GOVCLOUD_DATABASE_URL": settings.database_url,
        "GOVCLOUD_FEEDBACK_DATABASE_URL": settings.feedback_database_url,
        "GOVCLOUD_VAR_DIR": settings.var_dir,
    }


def _count(engine) -> int:
    with make_sessionmaker(engine)() as session:
        return session.scalar(select(func.count()).select_from(EService))


def test_import_a_folder_dry_run_then_for_real_then_again(settings, committed_platform, tmp_path):
    with make_sessionmaker(committed_platform)() as session:
        seed_reference_agencies(session)
    folder = tmp_path / "catalog"
    folder.mkdir()
    (folder / "mfa.yaml").write_text(GOOD.replace("agency: TMA", "agency: MFA"), encoding="utf-8")
    (folder / "moi.yml").write_text(
        GOOD.replace("agency: TMA", "agency: MOI").replace("code: visa", "code: permit"), encoding="utf-8"
    )
    (folder / "notes.txt").write_text("not a descriptor", encoding="utf-8")
    runner = CliRunner()

    dry = runner.invoke(main, ["catalog", "import", str(folder), "--dry-run"], env=_env(settings))
    assert dry.exit_code == 0, dry.output
    assert "agency MFA: 2 created, 0 updated, 0 unchanged (dry run: nothing written)" in dry.output
    assert "  + visa" in dry.output and "  + permit" in dry.output
    assert _count(committed_platform) == 0

    real = runner.invoke(main, ["catalog", "import", str(folder)], env=_env(settings))
    assert real.exit_code == 0, real.output
    assert _count(committed_platform) == 4

    again = runner.invoke(main, ["catalog", "import", str(folder)], env=_env(settings))
    assert again.output.count("no changes") == 2 and "0 created, 0 updated, 2 unchanged" in again.output

    out = tmp_path / "export"
    exported = runner.invoke(main, ["catalog", "export", str(out)], env=_env(settings))
    assert exported.exit_code == 0, exported.output
    assert sorted(p.name for p in out.iterdir()) == ["MFA.yaml", "MOI.yaml"]
    single = runner.invoke(
        main, ["catalog", "export", "--agency", "mfa", str(tmp_path / "one.yaml")], env=_env(settings)
    )
    assert single.exit_code == 0 and "agency: MFA" in (tmp_path / "one.yaml").read_text(encoding="utf-8")
    back = runner.invoke(main, ["catalog", "import", str(out)], env=_env(settings))
    assert back.output.count("no changes") == 2


def test_probe_settings_go_in_from_a_file_and_come_back_in_the_export(settings, committed_platform, tmp_path):
    """The CLI registers `probe:` with the descriptors as the portal does."""
    with make_sessionmaker(committed_platform)() as session:
        seed_reference_agencies(session)
    probed = GOOD.replace("agency: TMA", "agency: MFA").replace(
        "    status: active\n", "    status: active\n    probe: {kind: openapi, interval_seconds: 600}\n"
    )
    (tmp_path / "mfa.yaml").write_text(probed, encoding="utf-8")
    runner = CliRunner()
    imported = runner.invoke(main, ["catalog", "import", str(tmp_path / "mfa.yaml")], env=_env(settings))
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "out.yaml"
    exported = runner.invoke(main, ["catalog", "export", "--agency", "MFA", str(out)], env=_env(settings))
    assert exported.exit_code == 0, exported.output
    text = out.read_text(encoding="utf-8")
    assert "kind: openapi" in text and "interval_seconds: 600" in text
    again = runner.invoke(main, ["catalog", "import", str(out)], env=_env(settings))
    assert "no changes" in again.output


def test_a_bad_file_is_reported_with_lines_and_the_good_one_still_applies(
    settings, committed_platform, tmp_path
):
    with make_sessionmaker(committed_platform)() as session:
        seed_reference_agencies(session)
    (tmp_path / "a_bad.yaml").write_text(
        GOOD.replace("agency: TMA", "agency: MFA").replace("maturity: 3", "maturity: 7"), encoding="utf-8"
    )
    (tmp_path / "b_good.yaml").write_text(GOOD.replace("agency: TMA", "agency: MOI"), encoding="utf-8")
    result = CliRunner().invoke(main, ["catalog", "import", str(tmp_path)], env=_env(settings))
    assert result.exit_code == 1
    assert "a_bad.yaml: not imported, 1 problem(s):" in result.output
    assert "a_bad.yaml:9: services[0].maturity: must be a level from 0 to 4" in result.output
    assert "b_good.yaml: agency MOI: 2 created" in result.output
    assert _count(committed_platform) == 2


def test_demo_catalog_is_seeded_once_and_import_as_a_user_keeps_to_their_rights(
    settings, committed_platform, committed_feedback, tmp_path
):  # `seed` also seeds the feedback tenant's demo, into its own database
    runner = CliRunner()
    first = runner.invoke(main, ["seed"], env=_env(settings))
    assert first.exit_code == 0, first.output
    assert "catalog ITO.yaml: agency ITO: 3 created" in first.output
    second = runner.invoke(main, ["seed"], env=_env(settings))
    assert "catalog INTA.yaml: agency INTA: 0 created, 0 updated, 4 unchanged" in second.output
    assert _count(committed_platform) == 7 + len(DEMO_PROBED)  # the descriptors' and the probed demo pages'

    (tmp_path / "mfa.yaml").write_text(GOOD.replace("agency: TMA", "agency: MFA"), encoding="utf-8")
    (tmp_path / "ito.yaml").write_text(GOOD.replace("agency: TMA", "agency: ITO"), encoding="utf-8")
    as_member = ["catalog", "import", "--as", "ito-member@demo.govcloud.ir"]
    refused = runner.invoke(main, [*as_member, str(tmp_path / "mfa.yaml")], env=_env(settings))
    assert refused.exit_code == 1
    assert "mfa.yaml:1: agency: you may not change agency MFA" in refused.output
    allowed = runner.invoke(main, [*as_member, str(tmp_path / "ito.yaml")], env=_env(settings))
    assert allowed.exit_code == 0 and "agency ITO: 2 created" in allowed.output
    unknown = runner.invoke(
        main, ["catalog", "import", "--as", "nobody@x.ir", str(tmp_path)], env=_env(settings)
    )
    assert unknown.exit_code == 1 and "no active account with this e-mail" in unknown.output
