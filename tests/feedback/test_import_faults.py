"""An employee import SIGKILLed mid-way and started again gives the same registry as one clean run:
every row once, every employee one active code (issue 15, the registry's resume). Driven through
the public command (`govcloud feedback import-employees FILE`), in a process of its own, so it holds
whatever the importer does inside (batched upserts today, COPY in a rewrite)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from sqlalchemy import func, select

from core.db import make_sessionmaker
from feedback.codes.models import ACTIVE, EmployeeCode
from feedback.registry.models import Employee
from tests.feedback.helpers import employee_row, write_csv
from tests.fixtures.services import settings_env
from tests.waiting import wait_until

ROWS = 12_000  # several batches: the kill lands after the first commit, before the last


def _import(settings, path, **popen: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "feedback", "import-employees", str(path)],
        env=settings_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        **popen,
    )


def test_an_import_killed_mid_way_and_run_again_stores_every_row_once(settings, committed_feedback, tmp_path):
    rows = [employee_row(n) for n in range(1, ROWS + 1)]
    path = write_csv(tmp_path / "employees.csv", rows)
    session = make_sessionmaker(committed_feedback)()

    def stored() -> int:
        session.rollback()
        return session.scalar(select(func.count()).select_from(Employee))

    first = _import(settings, path)
    try:
        wait_until(lambda: stored() > 0 or first.poll() is not None, timeout=60, what="the first rows")
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    at_kill = stored()
    assert 0 < at_kill < ROWS, f"the import was not killed mid-way ({at_kill} of {ROWS} rows stored)"

    again = _import(settings, path)
    output, _ = again.communicate(timeout=240)
    assert again.returncode == 0, output

    employees = stored()
    distinct = session.scalar(select(func.count(func.distinct(Employee.employment_code))))
    codes = session.scalar(
        select(func.count()).select_from(EmployeeCode).where(EmployeeCode.status == ACTIVE)
    )
    with_code = session.scalar(
        select(func.count(func.distinct(EmployeeCode.employee_id))).where(EmployeeCode.status == ACTIVE)
    )
    expected_codes = {row["employment_code"] for row in rows}
    got_codes = set(session.scalars(select(Employee.employment_code)))
    session.close()
    counts = (
        f"rows in file {ROWS}, stored at the kill {at_kill}, stored after the rerun {employees}, "
        f"distinct {distinct}, active codes {codes} for {with_code} employees; "
        f"rerun said: {[line for line in output.splitlines() if line.startswith('imported')]}"
    )
    assert employees == distinct == ROWS, counts
    assert got_codes == expected_codes, counts
    assert codes == with_code == ROWS, counts
    assert "rejected 0" in output, counts
    print(f"\nimport under faults: {counts}")
