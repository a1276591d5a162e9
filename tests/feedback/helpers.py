"""Shared builders for feedback tests: valid national codes, import files, the CLI's environment."""

from __future__ import annotations

import csv
from pathlib import Path

from feedback.registry.national_code import check_digit

HEADER = [
    "employment_code",
    "national_code",
    "first_name",
    "last_name",
    "gender",
    "position",
    "unit",
    "agency_code",
    "province",
    "county",
]


def cli_env(settings) -> dict[str, str]:
    """The environment a `govcloud feedback …` command run in CliRunner needs to use these settings'
    databases and var directory."""
    return {
        "GOVCLOUD_DATABASE_URL": settings.database_url,
        "GOVCLOUD_FEEDBACK_DATABASE_URL": settings.feedback_database_url,
        "GOVCLOUD_VAR_DIR": settings.var_dir,
    }


def national(n: int) -> str:
    body = f"{n:09d}"
    return body + check_digit(body)


def employee_row(n: int, **overrides: str) -> dict[str, str]:
    row = {
        "employment_code": f"E{n:06d}",
        "national_code": national(1000 + n),
        "first_name": "علی",
        "last_name": f"رضایی {n}",
        "gender": "مرد",
        "position": "کارشناس",
        "unit": "اداره کل فناوری",
        "agency_code": "MCTH",
        "province": "تهران",
        "county": "تهران",
    }
    row.update(overrides)
    return row


def write_csv(
    path: Path, rows: list[dict[str, str]], columns: list[str] = HEADER, labels: list[str] | None = None
) -> Path:
    """`columns` in the order written; `labels` the header as written (Persian names, say)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(labels or columns)
        for row in rows:
            writer.writerow([row.get(column, "") for column in columns])
    return path


def read_rejects(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def seed_employees(session, tmp_path: Path, rows: list[dict[str, str]]) -> None:
    """Employees (with codes) through the real import."""
    from core.actors import SYSTEM
    from feedback.registry.importer import import_employees

    path = write_csv(tmp_path / "seed.csv", rows)
    summary = import_employees(session, SYSTEM, path, tmp_path / "seed-rejects.csv")
    assert summary.rejected == 0, read_rejects(tmp_path / "seed-rejects.csv")


def seed_two_desks(session, tmp_path: Path) -> None:
    """The citizen pages' two desks: E000001 (زهرا کریمی, کارشناس ارشد) and E000002."""
    seed_employees(
        session,
        tmp_path,
        [employee_row(1, first_name="زهرا", last_name="کریمی", position="کارشناس ارشد"), employee_row(2)],
    )


def code_of(session, employment_code: str):
    from sqlalchemy import select

    from feedback.codes.models import ACTIVE, EmployeeCode
    from feedback.registry.models import Employee

    return session.scalar(
        select(EmployeeCode)
        .join(Employee)
        .where(Employee.employment_code == employment_code, EmployeeCode.status == ACTIVE)
    )
