"""The coverage view: the right numbers for a small seeded registry, on PostgreSQL and SQLite, per
scope; a unit's checklist confirms postings; the new routes' role matrix."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import migrate
from core.actors import SYSTEM, Actor
from core.db import make_engine, make_sessionmaker
from core.errors import NotAuthorized, UnknownReference, ValidationError
from core.reference import find_province
from feedback.accounts.models import VIEWER
from feedback.accounts.services import create_viewer
from feedback.codes.models import ACTIVE, EmployeeCode
from feedback.jobs.services import create_job
from feedback.printing.services import Selection, print_batch
from feedback.registry.coverage import Filters, confirm_posted, coverage_rows, load_coverage, unit_desks
from feedback.registry.models import Employee
from feedback.registry.services import set_employee_active
from feedback.reports.services import submit_web_report
from tests.feedback.helpers import employee_row, seed_employees
from tests.fixtures.feedback import ADMIN_PASSWORD, csrf_token, sign_in

UNIT_A, UNIT_B, UNIT_C = "اداره کل فناوری", "اداره مالی", "اداره شیراز"


def _seed(session, tmp_path) -> dict[str, object]:
    """Tehran: MCTH unit A (4 desks, printed, 2 posted) and unit B (2); Fars: SSO unit C (3); one
    deactivated desk in unit A; one open report in Tehran and one resolved-free open in Fars for ITO."""
    rows = [employee_row(n, unit=UNIT_A) for n in range(1, 6)]
    rows += [employee_row(n, unit=UNIT_B) for n in range(6, 8)]
    rows += [
        employee_row(n, unit=UNIT_C, agency_code="SSO", province="فارس", county="شیراز") for n in range(8, 11)
    ]
    seed_employees(session, tmp_path, rows)
    gone = session.scalar(select(Employee.id).where(Employee.employment_code == "E000005"))
    set_employee_active(session, SYSTEM, gone, False)
    print_batch(
        session, SYSTEM, Selection(agency_code="MCTH", unit=UNIT_A), tmp_path / "a.pdf", "https://f.example"
    )
    codes = list(
        session.scalars(
            select(EmployeeCode.id)
            .join(Employee, Employee.id == EmployeeCode.employee_id)
            .where(Employee.unit == UNIT_A, Employee.active, EmployeeCode.status == ACTIVE)
            .order_by(EmployeeCode.id)
        )
    )
    assert confirm_posted(session, SYSTEM, "MCTH", UNIT_A, codes[:2]) == 2
    for agency, province in (("MCTH", "تهران"), ("ITO", "فارس")):
        submit_web_report(
            session, agency=agency, province=province, office_name="شعبه", office_address="خیابان آزادی"
        )
    session.commit()
    return {"tehran": find_province("تهران").code, "fars": find_province("فارس").code, "codes": codes}


def _figures(coverage) -> dict[str, tuple]:
    return {
        row.code: (
            row.figures.employees,
            row.figures.codes,
            row.figures.printed,
            row.figures.posted,
            row.figures.left,
            row.figures.open_reports,
        )
        for row in coverage.rows
    }


def _check_numbers(session, seeded) -> None:
    tehran, fars = seeded["tehran"], seeded["fars"]
    nation = load_coverage(session, SYSTEM, Filters())
    assert nation.level == "province"
    assert _figures(nation) == {tehran: (6, 6, 4, 2, 4, 1), fars: (3, 3, 0, 0, 3, 1)}
    assert (nation.totals.employees, nation.totals.posted, nation.totals.open_reports) == (9, 2, 2)
    by_agency = load_coverage(session, SYSTEM, Filters(), "agency")
    assert _figures(by_agency) == {
        "ITO": (0, 0, 0, 0, 0, 1),  # a report where nothing is registered yet: still on the list
        "MCTH": (6, 6, 4, 2, 4, 1),
        "SSO": (3, 3, 0, 0, 3, 0),
    }
    units = load_coverage(session, SYSTEM, Filters(agency="mcth"))
    assert units.level == "unit" and units.filters.agency == "MCTH"
    assert _figures(units) == {UNIT_A: (4, 4, 4, 2, 2, None), UNIT_B: (2, 2, 0, 0, 2, None)}
    counties = load_coverage(session, SYSTEM, Filters(province=tehran))
    assert counties.level == "county"
    # the report names no county: a row of its own, so it is not lost
    assert sorted(_figures(counties).values()) == [(0, 0, 0, 0, 0, 1), (6, 6, 4, 2, 4, 0)]
    rows = coverage_rows(units)
    assert rows[0][:4] == ["level", "code", "name", "employees"]
    assert rows[1] == ["total", "agency=MCTH", "", 6, 6, 4, 2, 4, "33.3", ""]


def test_the_coverage_counts_a_seeded_registry(feedback_session, tmp_path):
    _check_numbers(feedback_session, _seed(feedback_session, tmp_path))


def test_the_same_numbers_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    migrate.upgrade("feedback", url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        _check_numbers(session, _seed(session, tmp_path))
    engine.dispose()


def _viewer(kind: str, value: str) -> Actor:
    return Actor(id=99, role=VIEWER, label=f"{kind}@viewer", scope_kind=kind, scope_value=value)


def test_each_scope_sees_its_own_part_only(feedback_session, tmp_path):
    seeded = _seed(feedback_session, tmp_path)
    tehran, fars = seeded["tehran"], seeded["fars"]
    province = _viewer("province", tehran)
    seen = load_coverage(feedback_session, province, Filters(), "agency")
    assert seen.filters.province == tehran and seen.fixed == frozenset({"province"})
    assert {r.code: r.figures.employees for r in seen.rows} == {"MCTH": 6}
    with pytest.raises(NotAuthorized):
        load_coverage(feedback_session, province, Filters(province=fars))
    agency = _viewer("agency", "SSO")
    assert _figures(load_coverage(feedback_session, agency, Filters())) == {UNIT_C: (3, 3, 0, 0, 3, None)}
    with pytest.raises(NotAuthorized):
        load_coverage(feedback_session, agency, Filters(agency="MCTH"))
    unit = _viewer("unit", f"MCTH/{UNIT_B}")
    assert _figures(load_coverage(feedback_session, unit, Filters())) == {UNIT_B: (2, 2, 0, 0, 2, None)}
    with pytest.raises(NotAuthorized):
        load_coverage(feedback_session, unit, Filters(agency="MCTH", unit=UNIT_A))
    with pytest.raises(NotAuthorized):  # names of desks: the unit's own head, no one wider
        unit_desks(feedback_session, province, "MCTH", UNIT_A)
    with pytest.raises(ValidationError) as bad:
        load_coverage(feedback_session, SYSTEM, Filters(province="IR-99"))
    assert bad.value.fields == {"province": "unknown province"}
    with pytest.raises(ValidationError) as bad:
        load_coverage(feedback_session, SYSTEM, Filters(), "desk")
    assert set(bad.value.fields) == {"by"}


def test_a_unit_confirms_its_own_desks_only(feedback_session, tmp_path):
    seeded = _seed(feedback_session, tmp_path)
    head = _viewer("unit", f"MCTH/{UNIT_A}")
    _filters, desks = unit_desks(feedback_session, head, "MCTH", UNIT_A)
    assert [(d.printed, d.posted) for d in desks].count((True, True)) == 2 and len(desks) == 4
    other = feedback_session.scalar(
        select(EmployeeCode.id)
        .join(Employee, Employee.id == EmployeeCode.employee_id)
        .where(Employee.unit == UNIT_B)
    )
    with pytest.raises(UnknownReference) as wrong:
        confirm_posted(feedback_session, head, "MCTH", UNIT_A, [other])
    assert set(wrong.value.fields) == {"code_ids"}
    assert confirm_posted(feedback_session, head, "MCTH", UNIT_A, seeded["codes"]) == 2  # 2 were already
    assert confirm_posted(feedback_session, head, "MCTH", UNIT_A, seeded["codes"]) == 0
    posted_by = feedback_session.scalars(
        select(EmployeeCode.posted_by).where(EmployeeCode.id.in_(seeded["codes"][2:]))
    )
    assert set(posted_by) == {head.label}


def test_the_coverage_routes_answer_each_kind_of_account(
    admin_client, feedback_app, feedback_session, tmp_path
):
    """The role matrix of the routes issue 13 added: anonymous, a dashboard viewer (province), the
    head of unit A, a registry admin."""
    seeded = _seed(feedback_session, tmp_path)
    create_viewer(
        feedback_session, SYSTEM, "prov@viewer.example.ir", ADMIN_PASSWORD, f"province:{seeded['tehran']}"
    )
    create_viewer(feedback_session, SYSTEM, "head@viewer.example.ir", ADMIN_PASSWORD, f"unit:MCTH/{UNIT_A}")
    clients = {"anonymous": feedback_app.test_client(), "registry_admin": admin_client}
    for kind, email in (("province", "prov@viewer.example.ir"), ("head", "head@viewer.example.ir")):
        clients[kind] = feedback_app.test_client()
        sign_in(clients[kind], email=email, password=ADMIN_PASSWORD)
    job = create_job(feedback_session, SYSTEM, "print", {"agency_code": "MCTH"})
    desks_a = f"/coverage/desks?agency=MCTH&unit={UNIT_A}"
    desks_b = f"/coverage/desks?agency=MCTH&unit={UNIT_B}"
    expected = {
        ("GET", "/coverage"): {"anonymous": 302, "province": 200, "head": 200, "registry_admin": 200},
        ("GET", f"/coverage?province={seeded['fars']}"): {"province": 403, "registry_admin": 200},
        ("GET", "/coverage/export.csv"): {
            "anonymous": 401,
            "province": 200,
            "head": 200,
            "registry_admin": 200,
        },
        ("GET", "/coverage/export.xlsx"): {"anonymous": 401, "province": 200, "registry_admin": 200},
        ("GET", desks_a): {"anonymous": 302, "province": 403, "head": 200, "registry_admin": 200},
        ("GET", desks_b): {"head": 403, "registry_admin": 200},
        ("GET", "/coverage?by=desk"): {"registry_admin": 422},
        ("POST", "/coverage/desks"): {"anonymous": 302, "province": 403, "head": 302, "registry_admin": 302},
        # a failed part of a split print run, queued again (this job has not failed: 409)
        ("POST", f"/admin/jobs/{job.id}/retry"): {"anonymous": 302, "province": 403, "registry_admin": 409},
    }
    for (method, path), per_kind in expected.items():
        for kind, status in per_kind.items():
            client = clients[kind]
            data = None
            if method == "POST":
                token = csrf_token(client.get("/sign-in").text)
                data = {
                    "csrf_token": token,
                    "agency": "MCTH",
                    "unit": UNIT_A,
                    "code_ids": [str(seeded["codes"][2])],
                }
            answer = client.open(path, method=method, data=data)
            assert answer.status_code == status, (method, path, kind, answer.status_code)
    csv_text = clients["province"].get("/coverage/export.csv?by=agency").data.decode("utf-8-sig")
    assert "MCTH" in csv_text and "SSO" not in csv_text
    page = clients["registry_admin"].get("/coverage").text
    assert 'figure class="map"' in page
    bad = clients["registry_admin"].post(
        "/coverage/desks",
        data={"csrf_token": csrf_token(page), "agency": "MCTH", "unit": UNIT_A, "code_ids": ["x"]},
    )
    assert bad.status_code == 422 and "code_ids" in bad.text
