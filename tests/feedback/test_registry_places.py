"""Registry accounts scoped to a place (a county, a province, an agency): inside their place they
import, add and edit, deactivate, reissue, print, confirm posting and follow the missing-code reports
of their desks; outside it every row is refused (an import row by its line, a URL as a 404). The
coverage per scope, and the role matrix of the registry's routes for such an account."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import migrate
from core.actors import SYSTEM, Actor
from core.audit import TrailFilter
from core.db import make_engine, make_sessionmaker
from core.errors import NotAuthorized, NotFound, UnknownReference, ValidationError
from feedback import audit
from feedback.accounts.models import REGISTRY_ADMIN
from feedback.accounts.services import create_account, create_registry_account, create_viewer
from feedback.codes.models import ACTIVE, EmployeeCode
from feedback.codes.services import reissue_code
from feedback.jobs import services as jobs
from feedback.jobs.files import job_files
from feedback.printing.services import Selection, count_batch, single_sheet_pdf
from feedback.registry import queries
from feedback.registry.coverage import Filters, confirm_posted, load_coverage, unit_desks
from feedback.registry.importer import import_employees
from feedback.registry.models import Employee
from feedback.registry.services import save_employee, set_employee_active
from feedback.reports.services import submit_web_report
from tests.feedback.helpers import employee_row, national, read_rejects, seed_employees, write_csv
from tests.fixtures.feedback import ADMIN_PASSWORD, csrf_token, sign_in

UNIT = "اداره کل فناوری"
TEHRAN, SHEMIRANAT, SHIRAZ = "2301", "2304", "0707"
COUNTY_EMAIL = "tehran-county@registry.example.ir"


def _seed(session, tmp_path) -> dict[str, int]:
    """MCTH's unit in Tehran county (3 desks, E1-E3) and in Shemiranat (2, E4-E5), SSO in Shiraz (2,
    E6-E7); an open report in each of Tehran and Shemiranat counties, naming a desk's employee."""
    rows = [employee_row(n, first_name="زهرا", last_name=f"کریمی {n}") for n in range(1, 4)]
    rows += [employee_row(n, county="شمیرانات") for n in range(4, 6)]
    rows += [employee_row(n, agency_code="SSO", province="فارس", county="شیراز") for n in range(6, 8)]
    seed_employees(session, tmp_path, rows)
    for county, name in ((TEHRAN, "زهرا کریمی 2"), (SHEMIRANAT, "علی رضایی 4")):
        submit_web_report(
            session,
            agency="MCTH",
            province="تهران",
            county="تهران" if county == TEHRAN else "شمیرانات",
            office_name="اداره",
            office_address="خیابان آزادی",
            employee_name=name,
        )
    session.commit()
    return {
        code: session.scalar(select(Employee.id).where(Employee.employment_code == code))
        for code in (f"E{n:06d}" for n in range(1, 8))
    }


def _place(kind: str, value: str) -> Actor:
    return Actor(id=77, role=REGISTRY_ADMIN, label=f"{kind}@registry", scope_kind=kind, scope_value=value)


def _code_of(session, employee_id: int) -> int:
    return session.scalar(
        select(EmployeeCode.id).where(EmployeeCode.employee_id == employee_id, EmployeeCode.status == ACTIVE)
    )


def test_a_county_account_cannot_touch_another_countys_employee(feedback_session, tmp_path):
    ids = _seed(feedback_session, tmp_path)
    county = _place("county", TEHRAN)
    other = ids["E000004"]  # Shemiranat
    assert {e.employment_code for e in queries.list_employees(feedback_session, "", 1, county)} == {
        "E000001",
        "E000002",
        "E000003",
    }
    assert queries.count_employees(feedback_session, "", county) == 3
    assert queries.count_registry(feedback_session, county) == {"employees": 3, "active": 3, "codes": 3}
    refused = [
        lambda: queries.get_employee(feedback_session, other, county),
        lambda: set_employee_active(feedback_session, county, other, False),
        lambda: reissue_code(feedback_session, county, other),
        lambda: single_sheet_pdf(feedback_session, county, other, "https://f.example"),
        lambda: save_employee(feedback_session, county, employee_row(4, county=TEHRAN), other),
    ]
    for attempt in refused:
        with pytest.raises(NotFound):
            attempt()
        feedback_session.rollback()
    with pytest.raises(ValidationError) as outside:  # adding one in another county
        save_employee(feedback_session, county, employee_row(20, county="شمیرانات"))
    assert outside.value.fields == {"county": "outside_place"}
    feedback_session.rollback()
    # the unit has desks in both counties: the checklist shows and confirms Tehran's only
    _filters, desks = unit_desks(feedback_session, county, "MCTH", UNIT)
    assert {d.employee_id for d in desks} == {ids["E000001"], ids["E000002"], ids["E000003"]}
    with pytest.raises(UnknownReference):
        confirm_posted(feedback_session, county, "MCTH", UNIT, [_code_of(feedback_session, other)])
    # printing: an agency's batch is narrowed to the county; another province is refused by name
    assert count_batch(feedback_session, county, Selection(agency_code="MCTH")) == 3
    assert count_batch(feedback_session, _place("province", "IR-23"), Selection(agency_code="MCTH")) == 5
    with pytest.raises(ValidationError) as elsewhere:
        count_batch(feedback_session, _place("province", "IR-23"), Selection(province="IR-07"))
    assert elsewhere.value.fields == {"province": "outside_place"}
    with pytest.raises(ValidationError) as elsewhere:
        count_batch(feedback_session, _place("agency", "SSO"), Selection(agency_code="MCTH"))
    assert elsewhere.value.fields == {"agency_code": "outside_place"}
    untouched = feedback_session.get(Employee, other)
    assert untouched.active and untouched.county_code == SHEMIRANAT


def test_a_county_account_does_all_of_it_inside_its_county(feedback_session, tmp_path):
    ids = _seed(feedback_session, tmp_path)
    county = _place("county", TEHRAN)
    mine = ids["E000002"]
    added = save_employee(feedback_session, county, employee_row(30, county=TEHRAN, gender=""))
    assert (added.county_code, added.active) == (TEHRAN, True) and _code_of(feedback_session, added.id)
    edited = save_employee(
        feedback_session,
        county,
        employee_row(2, first_name="زهرا", last_name="کریمی 2", position="مدیر", national_code="")
        | {"county": TEHRAN},
        mine,
    )
    assert edited.position == "مدیر" and edited.national_code == national(1002)  # empty keeps it
    trail = audit.list_events(feedback_session, TrailFilter(resource="employee", resource_id=mine))
    assert [(e.action, e.changes) for e in trail] == [("updated", {"position": ["کارشناس", "مدیر"]})]
    created = audit.list_events(feedback_session, TrailFilter(resource="employee", resource_id=added.id))
    assert created[0].action == "created" and created[0].changes["national_code"][1].startswith("******")
    old_code = _code_of(feedback_session, mine)
    assert reissue_code(feedback_session, county, mine).id != old_code
    assert single_sheet_pdf(feedback_session, county, mine, "https://f.example").startswith(b"%PDF")
    codes = [_code_of(feedback_session, ids[f"E00000{n}"]) for n in (1, 2)]
    assert confirm_posted(feedback_session, county, "MCTH", UNIT, codes) == 2
    assert not set_employee_active(feedback_session, county, mine, False).active
    with pytest.raises(ValidationError) as bad:  # the import's checks, naming the field
        save_employee(feedback_session, county, employee_row(31, national_code="1234567890", county=TEHRAN))
    assert bad.value.fields == {"national_code": "bad_national_code"}


def _import(session, tmp_path, actor: Actor):
    """A Tehran county account's file: a new row of its own (line 2), one for Shemiranat (line 3), one
    moving Shemiranat's E4 into Tehran county (line 4), a change to its own E1 (line 5)."""
    rows = [
        employee_row(40),
        employee_row(41, county="شمیرانات"),
        employee_row(4),
        employee_row(1, position="مدیر"),
    ]
    summary = import_employees(
        session, actor, write_csv(tmp_path / "mine.csv", rows), tmp_path / "rejects.csv"
    )
    return summary, read_rejects(tmp_path / "rejects.csv")


def _check_import(session, tmp_path) -> None:
    _seed(session, tmp_path)
    summary, rejects = _import(session, tmp_path, _place("county", TEHRAN))
    assert summary.line() == "imported 1, updated 1, unchanged 0, rejected 2"
    assert [(r["line"], r["reason"], r["employment_code"]) for r in rejects] == [
        ("3", "outside_place", "E000041"),
        ("4", "outside_place", "E000004"),
    ]
    assert all(r["message"].startswith("outside this account's place (county:2301)") for r in rejects)
    assert "E000004 is registered elsewhere" in rejects[1]["message"]
    moved = session.scalar(select(Employee).where(Employee.employment_code == "E000004"))
    assert moved.county_code == SHEMIRANAT
    assert session.scalar(select(Employee.id).where(Employee.employment_code == "E000041")) is None
    summary, _rejects = _import(session, tmp_path, SYSTEM)  # the whole registry: all of it goes in
    assert summary.rejected == 0


def test_an_import_refuses_rows_outside_the_place_by_line(feedback_session, tmp_path):
    _check_import(feedback_session, tmp_path)


def test_the_same_refusals_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'feedback.db'}"
    migrate.upgrade("feedback", url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        _check_import(session, tmp_path)
        added = save_employee(session, _place("county", TEHRAN), employee_row(70, county=TEHRAN))
        assert _code_of(session, added.id) is not None
        with pytest.raises(NotFound):
            reissue_code(session, _place("county", SHEMIRANAT), added.id)
    engine.dispose()


def _figures(coverage) -> dict[str, tuple[int, int, int | None]]:
    return {r.code: (r.figures.employees, r.figures.codes, r.figures.open_reports) for r in coverage.rows}


def test_the_coverage_of_each_registry_place(feedback_session, tmp_path):
    _seed(feedback_session, tmp_path)
    county = load_coverage(feedback_session, _place("county", TEHRAN), Filters())
    assert (county.filters.province, county.filters.county, county.level) == ("IR-23", TEHRAN, "agency")
    assert county.fixed == frozenset({"province", "county"})
    assert _figures(county) == {"MCTH": (3, 3, 1)}
    province = load_coverage(feedback_session, _place("province", "IR-23"), Filters())
    assert _figures(province) == {TEHRAN: (3, 3, 1), SHEMIRANAT: (2, 2, 1)}
    agency = load_coverage(feedback_session, _place("agency", "SSO"), Filters(), "province")
    assert _figures(agency) == {"IR-07": (2, 2, 0)}
    for actor, asked in (
        (_place("county", TEHRAN), Filters(county=SHEMIRANAT)),
        (_place("county", TEHRAN), Filters(province="IR-07")),
        (_place("province", "IR-23"), Filters(province="IR-07")),
        (_place("agency", "SSO"), Filters(agency="MCTH")),
    ):
        with pytest.raises(NotAuthorized):
            load_coverage(feedback_session, actor, asked)


def test_registry_places_are_checked_when_accounts_are_made(feedback_session):
    create_account(feedback_session, SYSTEM, "ito@registry.example.ir", ADMIN_PASSWORD, place="agency:ito")
    for place in ("county:9999", "unit:MCTH/x", "province:IR-99", "agency:NOPE"):
        with pytest.raises(ValidationError) as bad:
            create_account(feedback_session, SYSTEM, "x@registry.example.ir", ADMIN_PASSWORD, place=place)
        assert set(bad.value.fields) == {"place"}
        feedback_session.rollback()
    with pytest.raises(NotAuthorized):  # a place-scoped account makes no accounts
        create_registry_account(
            feedback_session, _place("county", TEHRAN), "y@registry.example.ir", ADMIN_PASSWORD, "county:2301"
        )


def test_the_registry_routes_answer_a_county_account(admin_client, feedback_app, feedback_session, tmp_path):
    """The role matrix of the registry's routes for an account scoped to Tehran county, beside
    anonymous, a dashboard viewer and a national registry admin: another county's employee is a 404."""
    ids = _seed(feedback_session, tmp_path)
    create_account(feedback_session, SYSTEM, COUNTY_EMAIL, ADMIN_PASSWORD, place=f"county:{TEHRAN}")
    shemiranat = create_registry_account(
        feedback_session, SYSTEM, "shemiranat@registry.example.ir", ADMIN_PASSWORD, f"county:{SHEMIRANAT}"
    )
    assert shemiranat.must_change_password  # the page's password is a first password
    create_viewer(feedback_session, SYSTEM, "prov@viewer.example.ir", ADMIN_PASSWORD, "province:IR-23")
    clients = {"anonymous": feedback_app.test_client(), "registry_admin": admin_client}
    for kind, email in (("county", COUNTY_EMAIL), ("viewer", "prov@viewer.example.ir")):
        clients[kind] = feedback_app.test_client()
        sign_in(clients[kind], email=email, password=ADMIN_PASSWORD)
    mine, other = ids["E000001"], ids["E000004"]
    everyone = {"anonymous": 302, "viewer": 403}
    expected = {
        ("GET", "/admin/employees"): everyone | {"county": 200, "registry_admin": 200},
        ("GET", f"/admin/employees/{mine}"): everyone | {"county": 200, "registry_admin": 200},
        ("GET", f"/admin/employees/{other}"): everyone | {"county": 404, "registry_admin": 200},
        ("GET", f"/admin/employees/{other}/edit"): everyone | {"county": 404, "registry_admin": 200},
        ("POST", f"/admin/employees/{other}/edit"): everyone | {"county": 404},
        ("POST", f"/admin/employees/{other}/deactivate"): everyone | {"county": 404},
        ("POST", f"/admin/employees/{other}/reissue"): everyone | {"county": 404},
        ("GET", f"/admin/employees/{other}/sheet.pdf"): everyone | {"county": 404},
        ("POST", f"/admin/employees/{mine}/reissue"): everyone | {"county": 302},
        ("GET", f"/admin/employees/{mine}/sheet.pdf"): everyone | {"county": 200},
        ("GET", "/admin/employees/new"): everyone | {"county": 200, "registry_admin": 200},
        ("POST", "/admin/employees/new"): everyone | {"county": 422, "registry_admin": 422},
        ("GET", "/admin/reports"): everyone | {"county": 200, "registry_admin": 200},
        ("GET", "/admin/registry-accounts"): everyone | {"county": 403, "registry_admin": 200},
        ("POST", "/admin/registry-accounts"): everyone | {"county": 403, "registry_admin": 400},
        ("POST", f"/admin/registry-accounts/{shemiranat.id}/deactivate"): everyone
        | {"county": 403, "registry_admin": 302},
        ("GET", "/admin/viewers"): everyone | {"county": 403, "registry_admin": 200},
        ("GET", "/admin/audit"): everyone | {"county": 403, "registry_admin": 200},
        ("GET", "/admin/survey/questions"): everyone | {"county": 403, "registry_admin": 200},
        ("GET", "/admin/survey/flagged"): everyone | {"county": 403, "registry_admin": 200},
        ("POST", "/admin/counties"): everyone | {"county": 403},
        ("GET", f"/coverage?county={SHEMIRANAT}"): {"anonymous": 302, "county": 403, "registry_admin": 200},
        ("GET", "/coverage"): {"county": 200},
        ("GET", f"/coverage/desks?agency=MCTH&unit={UNIT}"): {"county": 200, "registry_admin": 200},
    }
    for (method, path), per_kind in expected.items():
        for kind, status in per_kind.items():
            client = clients[kind]
            data = None
            if method == "POST":
                data = {
                    "csrf_token": csrf_token(client.get("/sign-in").text),
                    "province": "IR-07",
                    "name_fa": "نو",
                }
            answer = client.open(path, method=method, data=data)
            assert answer.status_code == status, (method, path, kind, answer.status_code)
    listed = clients["county"].get("/admin/employees").text
    assert "کریمی 1" in listed and "رضایی 4" not in listed and "رضایی 6" not in listed
    desks = clients["county"].get(f"/coverage/desks?agency=MCTH&unit={UNIT}").text
    assert "کریمی 1" in desks and "رضایی 4" not in desks
    for page in ("/admin/import?lang=en", "/admin/print?lang=en"):
        assert "county:2301 only" in clients["county"].get(page).text
    nav = clients["county"].get("/admin/").text
    assert "/admin/audit" not in nav and "/admin/viewers" not in nav and "/admin/reports" in nav


def test_a_county_account_adds_and_edits_in_a_form_and_follows_its_reports(
    feedback_app, feedback_session, tmp_path
):
    ids = _seed(feedback_session, tmp_path)
    create_account(feedback_session, SYSTEM, COUNTY_EMAIL, ADMIN_PASSWORD, place=f"county:{TEHRAN}")
    client = feedback_app.test_client()
    sign_in(client, email=COUNTY_EMAIL, password=ADMIN_PASSWORD)
    form = employee_row(50, county=TEHRAN, gender="female") | {"province": "IR-23"}
    assert client.post("/admin/employees/new", data=form).status_code == 400  # no CSRF token
    blank = client.get("/admin/employees/new").text
    assert 'id="county" name="county" required value="2301"' in blank  # the account's place, filled in
    assert '<option value="IR-23" selected>' in blank
    token = csrf_token(blank)
    bad = client.post(
        "/admin/employees/new?lang=en", data=form | {"csrf_token": token, "national_code": "12"}
    )
    assert bad.status_code == 422
    field = bad.text.split('id="national_code"')[1].split("</label>")[0]
    assert "Not a valid national code" in field
    outside = client.post(
        "/admin/employees/new?lang=en", data=form | {"csrf_token": token, "county": SHEMIRANAT}
    )
    assert (
        outside.status_code == 422
        and "Outside this account&#39;s place" in outside.text.split('id="county"')[1]
    )
    taken = client.post(
        "/admin/employees/new?lang=en", data=form | {"csrf_token": token, "employment_code": "E000001"}
    )
    assert taken.status_code == 422 and "already registered" in taken.text
    added = client.post("/admin/employees/new", data=form | {"csrf_token": token})
    assert added.status_code == 303
    new_id = int(added.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    assert _code_of(feedback_session, new_id) is not None
    edit = client.get(f"/admin/employees/{new_id}/edit")
    assert edit.status_code == 200 and national(1050) not in edit.text  # never shown whole
    saved = client.post(
        f"/admin/employees/{new_id}/edit",
        data=form | {"csrf_token": token, "unit": "اداره مالی", "national_code": ""},
    )
    assert saved.status_code == 303 and feedback_session.get(Employee, new_id).unit == "اداره مالی"
    history = client.get(f"/admin/employees/{new_id}").text
    assert "اداره مالی" in history  # the change is in the employee's trail
    reports = client.get("/admin/reports").text
    rows = reports.split('id="place-reports"')[1]
    assert rows.count("data-report=") == 1  # Tehran county's only, not Shemiranat's
    assert f'href="/admin/employees/{ids["E000002"]}"' in rows  # the named desk: reissue or reprint


def test_a_scoped_accounts_import_job_runs_within_its_place(
    feedback_app, feedback_session, tmp_path, settings
):
    _seed(feedback_session, tmp_path)
    account = create_account(feedback_session, SYSTEM, COUNTY_EMAIL, ADMIN_PASSWORD, place=f"county:{TEHRAN}")
    county = Actor(id=account.id, role=REGISTRY_ADMIN, scope_kind="county", scope_value=TEHRAN)
    upload = write_csv(tmp_path / "upload.csv", [employee_row(60, county="شمیرانات")])
    job = jobs.create_import_job(
        feedback_session, county, upload, job_files(feedback_session, settings.var_path)
    )
    runs_as = jobs.actor_of(job)
    assert (runs_as.role, runs_as.scope_kind, runs_as.scope_value) == (REGISTRY_ADMIN, "county", TEHRAN)
    summary = import_employees(
        feedback_session,
        runs_as,
        write_csv(tmp_path / "again.csv", [employee_row(60, county="شمیرانات")]),
        tmp_path / "r.csv",
    )
    assert summary.rejected == 1
    assert jobs.actor_of(jobs.create_job(feedback_session, SYSTEM, "print", {})) == SYSTEM
    other_job = jobs.create_job(feedback_session, SYSTEM, "print", {"agency_code": "MCTH"})
    with pytest.raises(NotFound):  # another account's job (its sheets name other places' desks)
        jobs.get_job(feedback_session, county, other_job.id)
