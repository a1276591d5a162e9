"""`govcloud feedback …` commands against the real test database."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from core.db import make_sessionmaker
from feedback.accounts.models import Account
from feedback.codes.models import REPLACED, EmployeeCode
from feedback.registry.models import Employee
from portal.cli import main
from tests.feedback.helpers import cli_env, employee_row, write_csv


def _env(settings):
    return {**cli_env(settings), "GOVCLOUD_FEEDBACK_BASE_URL": "https://feedback.example.ir"}


def test_import_twice_then_print_reissue_and_deactivate(settings, committed_feedback, tmp_path):
    runner = CliRunner()
    rows = [employee_row(n) for n in range(1, 6)] + [employee_row(7, county="شهرک نو")]
    path = write_csv(tmp_path / "employees.csv", rows)
    first = runner.invoke(main, ["feedback", "import-employees", str(path)], env=_env(settings))
    assert first.exit_code == 0, first.output
    assert "imported 5, updated 0, unchanged 0, rejected 1" in first.output
    rejects = (tmp_path / "employees-rejects.csv").read_text(encoding="utf-8-sig")
    assert "7,unknown_county" in rejects and "govcloud feedback add-county" in rejects
    added = runner.invoke(
        main, ["feedback", "add-county", "--province", "تهران", "شهرک نو"], env=_env(settings)
    )
    assert added.exit_code == 0, added.output
    second = runner.invoke(main, ["feedback", "import-employees", str(path)], env=_env(settings))
    assert "imported 1, updated 0, unchanged 5, rejected 0" in second.output
    assert not (tmp_path / "employees-rejects.csv").exists()

    out = tmp_path / "sheets.pdf"
    printed = runner.invoke(
        main,
        ["feedback", "print", "--agency", "MCTH", "--per-page", "2", "--out", str(out)],
        env=_env(settings),
    )
    assert printed.exit_code == 0, printed.output
    assert "printed 6 sheets in 1 PDF file(s)" in printed.output and out.read_bytes().startswith(b"%PDF")

    assert runner.invoke(main, ["feedback", "reissue", "E000001"], env=_env(settings)).exit_code == 0
    assert runner.invoke(main, ["feedback", "deactivate", "E000002"], env=_env(settings)).exit_code == 0
    missing = runner.invoke(main, ["feedback", "deactivate", "NOPE"], env=_env(settings))
    assert missing.exit_code != 0 and "no such employee" in missing.output
    with make_sessionmaker(committed_feedback)() as session:
        assert session.scalar(select(func.count()).where(EmployeeCode.status == REPLACED)) == 1
        assert session.scalar(select(Employee.active).where(Employee.employment_code == "E000002")) is False


def test_bad_batch_and_missing_columns_are_clear_errors(settings, committed_feedback, tmp_path):
    runner = CliRunner()
    bad = tmp_path / "bad.csv"
    bad.write_text("name,unit\nx,y\n", encoding="utf-8")
    result = runner.invoke(main, ["feedback", "import-employees", str(bad)], env=_env(settings))
    assert result.exit_code != 0 and "employment_code" in result.output
    result = runner.invoke(main, ["feedback", "print", "--out", str(tmp_path / "x.pdf")], env=_env(settings))
    assert result.exit_code != 0 and "choose an agency" in result.output


def test_create_admin_hashes_the_password(settings, committed_feedback):
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["feedback", "create-admin", "Admin@ARO.example.ir"],
        input="correct horse battery\ncorrect horse battery\n",
        env=_env(settings),
    )
    assert result.exit_code == 0, result.output
    short = runner.invoke(
        main, ["feedback", "create-admin", "b@aro.example.ir", "--password", "short"], env=_env(settings)
    )
    assert short.exit_code != 0 and "12 characters" in short.output
    with make_sessionmaker(committed_feedback)() as session:
        account = session.scalar(select(Account))
        assert account.email == "admin@aro.example.ir" and account.role == "registry_admin"
        assert account.password_hash.startswith("$argon2id$")
        assert "correct horse" not in account.password_hash


def test_create_admin_scopes_a_registry_account_to_a_place(settings, committed_feedback):
    runner = CliRunner()
    made = runner.invoke(
        main,
        [
            "feedback",
            "create-admin",
            "ito@aro.example.ir",
            "--place",
            "agency:ito",
            "--password",
            "x" * 8 + "yz-long-1",
        ],
        env=_env(settings),
    )
    assert made.exit_code == 0 and "created for agency:ITO" in made.output, made.output
    unknown = runner.invoke(
        main,
        [
            "feedback",
            "create-admin",
            "n@aro.example.ir",
            "--place",
            "county:9999",
            "--password",
            "x" * 8 + "yz-long-1",
        ],
        env=_env(settings),
    )
    assert unknown.exit_code != 0 and "place:" in unknown.output and "9999" in unknown.output
    with make_sessionmaker(committed_feedback)() as session:
        account = session.scalar(select(Account))
        assert (account.email, account.scope_kind, account.scope_value) == (
            "ito@aro.example.ir",
            "agency",
            "ITO",
        )


def test_demo_employees_are_seeded_once(feedback_session):
    from feedback.demo import seed_demo_feedback

    first = seed_demo_feedback(feedback_session)
    assert first[0] == "feedback demo employees: imported 36, updated 0, unchanged 0, rejected 0"
    second = seed_demo_feedback(feedback_session)
    assert second[0] == "feedback demo employees: imported 0, updated 0, unchanged 36, rejected 0"
    assert feedback_session.scalar(select(func.count()).select_from(Account)) == 2  # admin + national viewer
