"""Imports and print batches started from the app and run by the feedback service's real worker."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import func, select

from core.db import make_sessionmaker
from feedback.registry.models import Employee
from tests.feedback.helpers import HEADER, employee_row
from tests.fixtures.feedback import create_admin, csrf_token, sign_in
from tests.waiting import wait_until


def _csv(rows) -> bytes:
    lines = [",".join(HEADER)] + [",".join(r[c] for c in HEADER) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _wait(client, job_url: str, timeout: float = 60) -> dict:
    def finished() -> dict | None:
        status = client.get(job_url + ".json").get_json()
        return status if status["status"] in {"done", "failed"} else None

    return wait_until(finished, timeout=timeout, interval=0.2, what=f"the job at {job_url} to finish")


def test_upload_runs_on_the_worker_and_reports_rejects(
    committed_feedback_app, committed_feedback, feedback_worker
):
    create_admin(committed_feedback)
    client = committed_feedback_app.test_client()
    sign_in(client)
    rows = [employee_row(n) for n in range(1, 30)] + [employee_row(99, national_code="1234567890")]
    page = client.get("/admin/import")
    response = client.post(
        "/admin/import",
        data={"file": (io.BytesIO(_csv(rows)), "employees.csv"), "csrf_token": csrf_token(page.text)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    job_url = response.headers["Location"]
    assert "job-progress" in client.get(job_url).text
    status = _wait(client, job_url)
    assert status["status"] == "done", status
    assert status["summary"] == "imported 29, updated 0, unchanged 0, rejected 1"
    assert status["percent"] == 100
    rejects = client.get(job_url + "/rejects")
    assert rejects.status_code == 200 and "bad_national_code" in rejects.data.decode("utf-8-sig")
    with make_sessionmaker(committed_feedback)() as session:
        assert session.scalar(select(func.count()).select_from(Employee)) == 29


def test_print_job_runs_on_the_worker_and_offers_the_zip(
    committed_feedback_app, committed_feedback, feedback_worker, tmp_path
):
    from core.actors import SYSTEM
    from feedback.registry.importer import import_employees
    from tests.feedback.helpers import write_csv

    create_admin(committed_feedback)
    path = write_csv(tmp_path / "e.csv", [employee_row(n, unit=f"واحد {n % 3}") for n in range(1, 10)])
    with make_sessionmaker(committed_feedback)() as session:
        import_employees(session, SYSTEM, path, tmp_path / "r.csv")
    client = committed_feedback_app.test_client()
    sign_in(client)
    page = client.get("/admin/print")
    response = client.post(
        "/admin/print",
        data={
            "agency_code": "MCTH",
            "unit": "",
            "province": "",
            "per_page": "2",
            "zip": "zip",
            "csrf_token": csrf_token(page.text),
        },
    )
    assert response.status_code == 303, response.text
    job_url = response.headers["Location"]
    status = _wait(client, job_url)
    assert status["status"] == "done", status
    assert (status["done"], status["total"]) == (9, 9)
    download = client.get(job_url + "/output")
    assert download.status_code == 200
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert sorted(archive.namelist()) == ["MCTH/واحد 0.pdf", "MCTH/واحد 1.pdf", "MCTH/واحد 2.pdf"]


def test_a_national_print_run_is_split_per_county_and_run_in_parallel(
    committed_feedback_app, committed_feedback, feedback_worker, tmp_path
):
    """No agency or province, one zip per county: a part per county, each its own job on the worker
    (two at once), one progress over all, a download per part and one for the whole run; a failed
    part is retried alone."""
    from core.actors import SYSTEM
    from feedback.codes.models import EmployeeCode
    from feedback.jobs.models import Job
    from feedback.jobs.services import fail_job
    from feedback.registry.importer import import_employees
    from tests.feedback.helpers import write_csv

    create_admin(committed_feedback)
    rows = [employee_row(n, county="تهران") for n in range(1, 5)]
    rows += [employee_row(n, county="ری", unit="اداره ری") for n in range(5, 8)]
    rows += [employee_row(n, province="فارس", county="شیراز") for n in range(8, 10)]
    path = write_csv(tmp_path / "e.csv", rows)
    with make_sessionmaker(committed_feedback)() as session:
        import_employees(session, SYSTEM, path, tmp_path / "r.csv")
    client = committed_feedback_app.test_client()
    sign_in(client)
    page = client.get("/admin/print")
    form = {"agency_code": "", "unit": "", "province": "", "per_page": "1", "zip": "county"}
    response = client.post("/admin/print", data=form | {"csrf_token": csrf_token(page.text)})
    assert response.status_code == 303, response.text
    job_url = response.headers["Location"]
    status = _wait(client, job_url)
    assert status["status"] == "done", status
    assert (status["done"], status["total"], status["percent"]) == (9, 9, 100)
    assert status["summary"] == "3 of 3 parts done, 9 of 9 sheets"
    parent_id = int(job_url.rsplit("/", 1)[1])
    with make_sessionmaker(committed_feedback)() as session:
        parts = list(session.scalars(select(Job).where(Job.parent_id == parent_id).order_by(Job.id)))
        printed = session.scalar(select(func.count()).where(EmployeeCode.printed_at.is_not(None)))
    assert [p.total for p in parts] == [2, 4, 3] and printed == 9  # Fars (IR-07) first, then Tehran
    one = client.get(f"/admin/jobs/{parts[0].id}/output")
    with zipfile.ZipFile(io.BytesIO(one.data)) as archive:
        assert archive.namelist() == ["MCTH/اداره کل فناوری.pdf"]
    whole = client.get(job_url + "/output")
    assert whole.status_code == 200
    with zipfile.ZipFile(io.BytesIO(whole.data)) as archive:
        names = archive.namelist()
        assert len(names) == 3 and names[0].startswith("IR-07/")
        with zipfile.ZipFile(io.BytesIO(archive.read(names[1]))) as part:
            assert sorted(part.namelist()) == ["MCTH/اداره کل فناوری.pdf"]
        with zipfile.ZipFile(io.BytesIO(archive.read(names[2]))) as part:
            assert part.namelist() == ["MCTH/اداره ری.pdf"]

    with make_sessionmaker(committed_feedback)() as session:
        fail_job(session, parts[1].id, "the printer's disk was full")
    assert client.get(job_url + ".json").get_json()["status"] == "failed"
    assert client.get(job_url + "/output").status_code == 404
    page = client.get(job_url)
    assert "Retry" in page.text or "اجرای دوباره" in page.text
    retried = client.post(f"/admin/jobs/{parts[1].id}/retry", data={"csrf_token": csrf_token(page.text)})
    assert retried.status_code == 303 and retried.headers["Location"].endswith(job_url)
    assert _wait(client, job_url)["status"] == "done"
    again = client.post(f"/admin/jobs/{parts[1].id}/retry", data={"csrf_token": csrf_token(page.text)})
    assert again.status_code == 409  # only a failed part is retried
