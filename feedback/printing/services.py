"""Print batches: the sheets of an agency, unit, province or list of employees, as one PDF or as a
zip of one PDF per unit.

Memory stays flat: employees are read in keyset chunks, and no PDF holds more than
`SHEETS_PER_FILE` sheets (a PDF library keeps a document's pages until it is saved), so a unit
larger than that is split into parts. A 100,000-employee agency is a zip of a few hundred parts.
"""

from __future__ import annotations

import dataclasses
import re
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy.orm import Session

from core import reference
from core.actors import Actor
from core.errors import NotAuthorized, ValidationError
from feedback.accounts.policies import can_manage_registry
from feedback.codes.models import EmployeeCode
from feedback.printing.sheets import Sheet, SheetWriter
from feedback.registry import queries
from feedback.registry.coverage import mark_printed
from feedback.registry.models import Employee
from feedback.registry.places import Places, agency_name

SHEETS_PER_FILE = 1000
SINGLE_PDF_LIMIT = 5000
MARK_PRINTED_EVERY = 1000

Progress = Callable[[int, int], None]


@dataclasses.dataclass(frozen=True)
class Selection:
    """Which employees to print; empty fields do not filter. An agency, a province or a list is
    required so nobody prints the whole nation by accident."""

    agency_code: str = ""
    unit: str = ""
    province: str = ""
    employment_codes: tuple[str, ...] = ()
    county: str = ""  # a county's code (the parts of a run split per county)
    national: bool = False  # no filter, on purpose: a national run (split per county)

    def describe(self) -> str:
        parts = [
            f"agency {self.agency_code}" if self.agency_code else "",
            f"unit {self.unit}" if self.unit else "",
            f"province {self.province}" if self.province else "",
            f"county {self.county}" if self.county else "",
            f"{len(self.employment_codes)} listed employees" if self.employment_codes else "",
        ]
        return ", ".join(p for p in parts if p)


@dataclasses.dataclass(frozen=True)
class PrintSummary:
    sheets: int
    files: int
    path: Path

    def line(self) -> str:
        return f"printed {self.sheets} sheets in {self.files} PDF file(s): {self.path}"


def _filters(session: Session, selection: Selection) -> dict[str, object]:
    places = Places(session)
    fields: dict[str, str] = {}
    agency = places.agency(selection.agency_code) if selection.agency_code else None
    if selection.agency_code and agency is None:
        fields["agency_code"] = "unknown_agency"
    province = places.province(selection.province) if selection.province else None
    if selection.province and province is None:
        fields["province"] = "unknown_province"
    county = selection.county.strip()
    if county and county not in reference.counties_by_code() and places.county_name(county) == county:
        fields["county"] = "unknown_county"
    if not (
        selection.agency_code
        or selection.province
        or selection.employment_codes
        or county
        or selection.national
    ):
        fields["agency_code"] = "no_selection"
    if fields:
        messages = {
            "unknown_agency": f"unknown agency code {selection.agency_code!r}",
            "unknown_province": f"unknown province {selection.province!r}",
            "unknown_county": f"unknown county {selection.county!r}",
            "no_selection": "choose an agency, a province or a list of employees",
        }
        raise ValidationError("; ".join(messages[code] for code in fields.values()), fields=fields)
    return {
        "agency_code": agency.code if agency else None,
        "unit": selection.unit.strip() or None,
        "province_code": province.code if province else None,
        "employment_codes": list(selection.employment_codes) if selection.employment_codes else None,
        "county_code": county or None,
    }


def count_batch(session: Session, actor: Actor, selection: Selection) -> int:
    if not can_manage_registry(actor):
        raise NotAuthorized("only registry admins print sheets")
    return queries.count_sheet_rows(session, **_filters(session, selection))


@dataclasses.dataclass(frozen=True)
class Part:
    """One county's share of a run split per county."""

    province: str
    county: str
    sheets: int


def plan_parts(session: Session, actor: Actor, selection: Selection) -> list[Part]:
    """A run's parts, one per county with sheets to print, in province and county order."""
    if not can_manage_registry(actor):
        raise NotAuthorized("only registry admins print sheets")
    rows = queries.sheet_counts_by_county(session, **_filters(session, selection))
    return [Part(province, county, sheets) for province, county, sheets in rows]


def _sheet(employee: Employee, code: EmployeeCode, base_url: str) -> Sheet:
    return Sheet(
        full_name=employee.full_name,
        position=employee.position,
        unit=employee.unit,
        agency=agency_name(employee.agency_code),
        url=f"{base_url}/e/{code.token}",
        short_code=code.short_code,
    )


def _sheets(
    session: Session, filters: dict[str, object], base_url: str
) -> Iterator[tuple[tuple[str, str], Sheet]]:
    """The batch's sheets; each chunk of codes drawn is marked printed (for the coverage view) in the
    run's transaction, so a run that fails marks nothing."""
    drawn: list[int] = []
    for employee, code in queries.iter_sheet_rows(session, **filters):
        drawn.append(code.id)
        yield (employee.agency_code, employee.unit), _sheet(employee, code, base_url)
        if len(drawn) >= MARK_PRINTED_EVERY:
            mark_printed(session, drawn)
            drawn = []
    mark_printed(session, drawn)


def print_batch(  # noqa: C901 - selection, layout and progress in one pass; to split (issue 19)
    session: Session,
    actor: Actor,
    selection: Selection,
    out: Path,
    base_url: str,
    per_page: int = 1,
    progress: Progress | None = None,
    sheets_per_file: int = SHEETS_PER_FILE,
) -> PrintSummary:
    """`out` ending in .pdf: one PDF (up to SINGLE_PDF_LIMIT sheets); ending in .zip: one PDF per
    unit (split into parts of SHEETS_PER_FILE), named `<agency>/<unit>.pdf`."""
    if not can_manage_registry(actor):
        raise NotAuthorized("only registry admins print sheets")
    if per_page not in (1, 2):
        raise ValidationError("sheets per page is 1 or 2", fields={"per_page": "1 or 2"})
    filters = _filters(session, selection)
    total = queries.count_sheet_rows(session, **filters)
    base_url = base_url.rstrip("/")
    suffix = out.suffix.lower()
    if suffix not in {".pdf", ".zip"}:
        raise ValidationError("the output is a .pdf or a .zip file", fields={"out": "a .pdf or .zip"})
    if suffix == ".pdf" and total > SINGLE_PDF_LIMIT:
        raise ValidationError(
            f"{total} sheets are too many for one PDF (at most {SINGLE_PDF_LIMIT}); "
            "write a .zip instead (one PDF per unit)",
            fields={"out": "too_many_for_pdf"},
            total=total,
            limit=SINGLE_PDF_LIMIT,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    done = 0
    if progress:
        progress(0, total)
    if suffix == ".pdf":
        writer = SheetWriter(str(tmp), base_url, per_page)
        for _unit, sheet in _sheets(session, filters, base_url):
            writer.add(sheet)
            done += 1
            if progress and done % 100 == 0:
                progress(done, total)
        writer.close()
        files = 1
    else:
        files = 0
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
            current: tuple[str, str] | None = None
            part = 0
            writer = None
            handle = None
            for unit, sheet in _sheets(session, filters, base_url):
                if unit != current or (writer is not None and writer.count >= sheets_per_file):
                    part = part + 1 if unit == current else 1
                    if writer is not None and handle is not None:
                        writer.close()
                        handle.close()
                    current = unit
                    handle = archive.open(_entry_name(unit, part), "w", force_zip64=True)
                    writer = SheetWriter(handle, base_url, per_page)
                    files += 1
                writer.add(sheet)
                done += 1
                if progress and done % 100 == 0:
                    progress(done, total)
            if writer is not None and handle is not None:
                writer.close()
                handle.close()
    tmp.replace(out)
    session.commit()  # the codes drawn are marked printed once the file is whole
    if progress:
        progress(done, total)
    return PrintSummary(sheets=done, files=files, path=out)


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def _entry_name(unit: tuple[str, str], part: int) -> str:
    agency, name = unit
    safe = _UNSAFE.sub("-", name).strip(" .-") or "unit"
    return f"{agency}/{safe}" + (f" - part {part}" if part > 1 else "") + ".pdf"


def single_sheet_pdf(session: Session, actor: Actor, employee_id: int, base_url: str) -> bytes:
    """One employee's sheet (a reissued code, a replaced sheet), rendered on the spot."""
    import io

    from feedback.codes.services import active_code
    from feedback.printing.sheets import write_sheets

    if not can_manage_registry(actor):
        raise NotAuthorized("only registry admins print sheets")
    employee = queries.get_employee(session, employee_id)
    code = active_code(session, employee_id)
    base_url = base_url.rstrip("/")
    buffer = io.BytesIO()
    write_sheets([_sheet(employee, code, base_url)], buffer, base_url)
    return buffer.getvalue()
