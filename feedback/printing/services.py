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
from typing import IO, TypedDict

from sqlalchemy.orm import Session

from core import reference
from core.actors import Actor
from core.errors import NotAuthorized, ValidationError
from feedback.accounts.policies import can_manage_registry, registry_place
from feedback.printing.sheets import Sheet, SheetWriter
from feedback.registry import queries
from feedback.registry.coverage import mark_printed
from feedback.registry.models import Employee
from feedback.registry.places import Places, agency_name
from feedback.registry.queries import SheetRow

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


class SheetFilters(TypedDict):
    """Which employees a batch prints, as `registry.queries`' sheet-row functions take them."""

    agency_code: str | None
    unit: str | None
    province_code: str | None
    employment_codes: list[str] | None
    county_code: str | None


def _filters(session: Session, selection: Selection) -> SheetFilters:
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


def within_place(actor: Actor, selection: Selection) -> Selection:
    """The selection narrowed to a place-scoped account's place (its county, province or agency
    fixed), so the job prints nothing else whoever runs it; one naming another province or agency
    is refused, naming the field."""
    place = registry_place(actor)
    if place is None:
        return selection
    kind, value = place
    if kind == "agency":
        if selection.agency_code and selection.agency_code.strip().upper() != value:
            raise ValidationError(
                f"outside this account's place ({kind}:{value})", fields={"agency_code": "outside_place"}
            )
        return dataclasses.replace(selection, agency_code=value, national=False)
    if kind == "province":
        asked = reference.find_province(selection.province) if selection.province else None
        if selection.province and (asked is None or asked.code != value):
            raise ValidationError(
                f"outside this account's place ({kind}:{value})", fields={"province": "outside_place"}
            )
        return dataclasses.replace(selection, province=value, national=False)
    if selection.county and selection.county.strip() != value:
        raise ValidationError(
            f"outside this account's place ({kind}:{value})", fields={"county": "outside_place"}
        )
    return dataclasses.replace(selection, county=value, national=False)


def count_batch(session: Session, actor: Actor, selection: Selection) -> int:
    if not can_manage_registry(actor):
        raise NotAuthorized("only registry admins print sheets")
    return queries.count_sheet_rows(session, **_filters(session, within_place(actor, selection)))


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
    rows = queries.sheet_counts_by_county(session, **_filters(session, within_place(actor, selection)))
    return [Part(province, county, sheets) for province, county, sheets in rows]


def _sheet(employee: Employee | SheetRow, token: str, short_code: str, base_url: str) -> Sheet:
    return Sheet(
        full_name=employee.full_name,
        position=employee.position,
        unit=employee.unit,
        agency=agency_name(employee.agency_code),
        url=f"{base_url}/e/{token}",
        short_code=short_code,
    )


# Each sheet with its (agency code, unit): the zip starts a file per unit.
_UnitSheets = Iterator[tuple[tuple[str, str], Sheet]]


def _sheets(session: Session, filters: SheetFilters, base_url: str) -> _UnitSheets:
    """The batch's sheets; each chunk of codes drawn is marked printed (for the coverage view) in the
    run's transaction, so a run that fails marks nothing."""
    drawn: list[int] = []
    for row in queries.iter_sheet_rows(session, **filters):
        drawn.append(row.code_id)
        yield (row.agency_code, row.unit), _sheet(row, row.token, row.short_code, base_url)
        if len(drawn) >= MARK_PRINTED_EVERY:
            mark_printed(session, drawn)
            drawn = []
    mark_printed(session, drawn)


def print_batch(
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
    filters, total = _check_batch(session, actor, within_place(actor, selection), out, per_page)
    base_url = base_url.rstrip("/")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tally = _Tally(total, progress)
    tally.report()
    sheets = _sheets(session, filters, base_url)
    if out.suffix.lower() == ".pdf":
        files = _write_pdf(tmp, sheets, base_url, per_page, tally)
    else:
        files = _write_zip(tmp, sheets, base_url, per_page, sheets_per_file, tally)
    tmp.replace(out)
    session.commit()  # the codes drawn are marked printed once the file is whole
    tally.report()
    return PrintSummary(sheets=tally.done, files=files, path=out)


def _check_batch(
    session: Session, actor: Actor, selection: Selection, out: Path, per_page: int
) -> tuple[SheetFilters, int]:
    """The batch's filters and its number of sheets, or why it cannot be printed."""
    if not can_manage_registry(actor):
        raise NotAuthorized("only registry admins print sheets")
    if per_page not in (1, 2):
        raise ValidationError("sheets per page is 1 or 2", fields={"per_page": "1 or 2"})
    filters = _filters(session, selection)
    total = queries.count_sheet_rows(session, **filters)
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
    return filters, total


@dataclasses.dataclass
class _Tally:
    """The sheets written so far, reported to `progress` every hundred."""

    total: int
    progress: Progress | None
    done: int = 0

    def one_more(self) -> None:
        self.done += 1
        if self.progress and self.done % 100 == 0:
            self.progress(self.done, self.total)

    def report(self) -> None:
        if self.progress:
            self.progress(self.done, self.total)


def _write_pdf(path: Path, sheets: _UnitSheets, base_url: str, per_page: int, tally: _Tally) -> int:
    """Every sheet in one PDF file; the number of files written (one)."""
    writer = SheetWriter(str(path), base_url, per_page)
    for _unit, sheet in sheets:
        writer.add(sheet)
        tally.one_more()
    writer.close()
    return 1


def _write_zip(
    path: Path, sheets: _UnitSheets, base_url: str, per_page: int, sheets_per_file: int, tally: _Tally
) -> int:
    """A zip of one PDF per unit (the sheets come ordered by unit), a unit of more than
    `sheets_per_file` sheets in parts; the number of PDF files written."""
    files = 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        current: tuple[str, str] | None = None
        part = 0
        entry: tuple[IO[bytes], SheetWriter] | None = None
        for unit, sheet in sheets:
            if entry is None or unit != current or entry[1].count >= sheets_per_file:
                part = part + 1 if unit == current else 1
                if entry is not None:
                    _close_entry(*entry)
                current = unit
                handle = archive.open(_entry_name(unit, part), "w", force_zip64=True)
                entry = (handle, SheetWriter(handle, base_url, per_page))
                files += 1
            entry[1].add(sheet)
            tally.one_more()
        if entry is not None:
            _close_entry(*entry)
    return files


def _close_entry(handle: IO[bytes], writer: SheetWriter) -> None:
    writer.close()
    handle.close()


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
    employee = queries.get_employee(session, employee_id, actor)
    code = active_code(session, employee_id)
    base_url = base_url.rstrip("/")
    buffer = io.BytesIO()
    write_sheets([_sheet(employee, code.token, code.short_code, base_url)], buffer, base_url)
    return buffer.getvalue()
