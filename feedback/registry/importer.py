"""`import_employees`: stream a file, check each row, upsert good rows, report the rest.

On PostgreSQL the file is copied into a staging table and checked and applied set-based
(`bulk_import`), in one transaction; the rules and the words of each reject are this module's.
On the embedded SQLite, rows are read one at a time and written a batch at a time (INSERT … ON
CONFLICT), so memory is flat however large the file. Each batch commits: a crash loses at most one
batch, and running the same file again carries on (rows already in are "unchanged"). A duplicate
employment code later in the file is caught through `import_run`/`import_line` on the row itself,
so no set of every code seen is kept in memory.
"""

from __future__ import annotations

import csv
import dataclasses
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from core.actors import Actor
from core.dates import to_latin_digits
from core.db import table_of
from core.errors import NotAuthorized
from core.spreadsheets import csv_row
from feedback.accounts.policies import can_manage_registry, employee_in_place, registry_place
from feedback.codes.services import issue_missing_codes
from feedback.registry import national_code
from feedback.registry.models import Employee
from feedback.registry.places import Places
from feedback.registry.reading import RawRow, Source, open_source
from feedback.registry.schemas import GENDERS, MAX_LENGTH, REQUIRED, Reason
from feedback.registry.upsert import dialect_insert

BATCH_SIZE = 2000
# PostgreSQL: a load this large (and at least the registry's size) rebuilds the indexes afterwards
LARGE_LOAD_ROWS = 100_000
ROWS_PER_STATEMENT = 1000  # ids per UPDATE of rows seen again
DATA_FIELDS = (
    "national_code",
    "first_name",
    "last_name",
    "gender",
    "position",
    "unit",
    "agency_code",
    "province_code",
    "county_code",
)
_ARABIC = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "\u0640": ""})
_SPACES = re.compile(r"[ \t\u00a0]+")

Progress = Callable[[int, float], None]


@dataclasses.dataclass
class ImportSummary:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_path: Path | None = None

    @property
    def rows(self) -> int:
        return self.imported + self.updated + self.unchanged + self.rejected

    def line(self) -> str:
        return (
            f"imported {self.imported}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected}"
        )


@dataclasses.dataclass
class Reject:
    line: int
    reason: Reason
    message: str
    original: list[str]


def clean_text(value: str) -> str:
    """Names as stored: Arabic ي/ك as Persian, spaces collapsed; the ZWNJ inside names is kept."""
    return _SPACES.sub(" ", value.translate(_ARABIC)).strip()


def employment_code_of(raw: str) -> str:
    """The employment code as stored: Latin digits, and no `.0` a spreadsheet added to a number."""
    code = to_latin_digits(raw).strip()
    if code.endswith(".0") and code[:-2].isdigit():
        code = code[:-2]
    return code


def reject_message(reason: Reason, values: dict[str, str], detail: str, places: Places) -> str:
    """The words for a refused row, from its values as read and the detail of the reason (the column
    missing or too long, `length` or `check` for a national code, the first line of a duplicate).
    Both import paths word their rejects here, so they say the same."""
    if reason == Reason.missing_field:
        return f"missing {detail}"
    if reason == Reason.too_long:
        return f"{detail} is longer than {MAX_LENGTH[detail]} characters"
    if reason == Reason.bad_national_code:
        return f"national_code {'must be 10 digits' if detail == 'length' else 'fails its check digit'}"
    if reason == Reason.bad_gender:
        return f"gender {values.get('gender', '')!r} is not male/female (مرد/زن)"
    if reason == Reason.unknown_agency:
        return f"unknown agency_code {values['agency_code']!r}"
    if reason == Reason.unknown_province:
        return f"unknown province {values['province']!r}"
    if reason == Reason.unknown_county:
        province = places.province(values["province"])
        name_en = province.name_en if province else values["province"]
        return (
            f"unknown county {values['county']!r} in {name_en}: if it is new, a registry admin "
            f"adds it with `govcloud feedback add-county --province {name_en} "
            f"'{values['county']}'` or on the Counties page, then imports again"
        )
    if reason == Reason.outside_place:  # detail: the place, and `|elsewhere` for a code registered elsewhere
        place, _, elsewhere = detail.partition("|")
        code = employment_code_of(values.get("employment_code", ""))
        if elsewhere:
            return f"outside this account's place ({place}): employment_code {code} is registered elsewhere"
        return (
            f"outside this account's place ({place}): the row's agency, province or county is another place's"
        )
    return duplicate_message(employment_code_of(values["employment_code"]), detail)


def duplicate_message(code: str, first_line: int | str) -> str:
    return f"employment_code {code} already appears on line {first_line}"


def check_row(row: RawRow, places: Places) -> dict[str, Any] | Reject:
    """One row's values as stored, or the first reason it cannot be (in file order of the columns)."""
    checked = _checked(row.values, places)
    if isinstance(checked, _Refused):
        return _refused_row(row, checked, places)
    checked["_line"] = row.line
    return checked


# The form field each reason names (missing and too long name their own column).
_FIELD_OF = {
    Reason.bad_national_code: "national_code",
    Reason.bad_gender: "gender",
    Reason.unknown_agency: "agency_code",
    Reason.unknown_province: "province",
    Reason.unknown_county: "county",
}


def check_fields(values: dict[str, str], places: Places) -> dict[str, Any] | tuple[str, Reason, str]:
    """`check_row` for one employee typed into a form: its values as stored, or the field, reason
    and words of the first problem, so the form and the import refuse the same things alike."""
    checked = _checked(values, places)
    if isinstance(checked, _Refused):
        return _form_refusal(checked, values, places)
    return checked


def _checked(values: dict[str, str], places: Places) -> dict[str, Any] | _Refused:
    """The person, then the place: the first refusal, or the values as stored."""
    person = _check_person(values)
    if isinstance(person, _Refused):
        return person
    place = _check_place(values, places)
    if isinstance(place, _Refused):
        return place
    employment_code, code, gender, text = person
    agency_code, province_code, county_code = place
    return {
        "employment_code": employment_code,
        "national_code": code,
        "gender": gender,
        "agency_code": agency_code,
        "province_code": province_code,
        "county_code": county_code,
        **text,
    }


def _form_refusal(refused: _Refused, values: dict[str, str], places: Places) -> tuple[str, Reason, str]:
    field = _FIELD_OF.get(refused.reason, refused.detail)
    return field, refused.reason, reject_message(refused.reason, values, refused.detail, places)


def place_text(actor: Actor) -> str:
    """The actor's place as written (`county:2301`), or "" for the whole registry."""
    place = registry_place(actor)
    return f"{place[0]}:{place[1]}" if place else ""


class _Refused(NamedTuple):
    """Why a row cannot be stored, as `reject_message` words it."""

    reason: Reason
    detail: str


def _refused_row(row: RawRow, refused: _Refused, places: Places) -> Reject:
    message = reject_message(refused.reason, row.values, refused.detail, places)
    return Reject(row.line, refused.reason, message, row.original)


def _check_person(values: dict[str, str]) -> tuple[str, str, str | None, dict[str, str]] | _Refused:
    """The required columns present; the employment code, national code, gender and the text
    columns (names, position, unit) as stored."""
    for column in REQUIRED:
        if not values.get(column, "").strip():
            return _Refused(Reason.missing_field, column)
    employment_code = employment_code_of(values["employment_code"])
    text = {name: clean_text(values[name]) for name in ("first_name", "last_name", "position", "unit")}
    for name, limit in MAX_LENGTH.items():
        value = employment_code if name == "employment_code" else text[name]
        if len(value) > limit:
            return _Refused(Reason.too_long, name)
    code = national_code.normalize(values["national_code"])
    if not national_code.is_valid(code):
        return _Refused(Reason.bad_national_code, "check" if code.isdigit() and len(code) == 10 else "length")
    gender_raw = values.get("gender", "").strip()
    gender = None
    if gender_raw:
        gender = gender_of(gender_raw)
        if gender is None:
            return _Refused(Reason.bad_gender, "")
    return employment_code, code, gender, text


def _check_place(values: dict[str, str], places: Places) -> tuple[str, str, str] | _Refused:
    """The codes of the row's agency, province and county (the county in the province)."""
    agency = places.agency(to_latin_digits(values["agency_code"]))
    if agency is None:
        return _Refused(Reason.unknown_agency, "")
    province = places.province(values["province"])
    if province is None:
        return _Refused(Reason.unknown_province, "")
    county = places.county(province.code, values["county"])
    if county is None:
        return _Refused(Reason.unknown_county, "")
    return agency.code, province.code, county.code


def gender_of(raw: str) -> str | None:
    """`male`, `female`, or None for a value that is neither (in Persian or English)."""
    return GENDERS.get(clean_text(raw).casefold())


class _RejectsWriter:
    """Rejected rows go to a CSV beside the summary as they come (line, reason, the row as given)."""

    def __init__(self, path: Path, header: list[str]) -> None:
        self.path = path
        self._handle = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._handle)
        csv_row(self._writer, ["line", "reason", "message", *header])

    def write(self, reject: Reject) -> None:
        """The row as given, neutralized: an uploaded cell such as `=HYPERLINK(...)` never runs."""
        csv_row(self._writer, [reject.line, reject.reason.value, reject.message, *reject.original])

    def close(self) -> None:
        self._handle.close()


def import_employees(
    session: Session,
    actor: Actor,
    path: Path,
    rejects_path: Path,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
    large_load_rows: int = LARGE_LOAD_ROWS,
) -> ImportSummary:
    """Import a CSV or Excel file of employees; good rows are kept whatever the bad ones are.
    On PostgreSQL, `large_load_rows` new employees or more, and at least as many as the registry
    holds, rebuild the registry's indexes after inserting instead of updating them row by row."""
    if not can_manage_registry(actor):
        raise NotAuthorized("only registry admins import employees")
    source = open_source(path)
    places = Places(session)
    run = secrets.token_hex(8)
    summary = ImportSummary(rejects_path=rejects_path)
    rejects = _RejectsWriter(rejects_path, source.header)
    if session.get_bind().dialect.name == "postgresql":
        try:
            _import_bulk(
                session, actor, source, places, run, summary, rejects, progress, batch_size, large_load_rows
            )
        finally:
            rejects.close()
            source.close()
        return summary
    batch: dict[str, dict[str, Any]] = {}
    read = 0
    try:
        for raw in source.rows:
            read += 1
            checked = _check_in_place(raw, places, actor)
            if isinstance(checked, Reject):
                _reject(summary, rejects, checked)
            elif checked["employment_code"] in batch:
                first = batch[checked["employment_code"]]["_line"]
                duplicate = _duplicate(raw.line, checked["employment_code"], first, raw.original)
                _reject(summary, rejects, duplicate)
            else:
                checked["_original"] = raw.original
                batch[checked["employment_code"]] = checked
            if len(batch) >= batch_size:
                _flush(session, actor, places, batch, run, summary, rejects)
                batch = {}
                if progress:
                    progress(read, source.fraction())
        if batch:
            _flush(session, actor, places, batch, run, summary, rejects)
        if progress:
            progress(read, 1.0)
    finally:
        rejects.close()
        source.close()
    return summary


def _check_in_place(raw: RawRow, places: Places, actor: Actor) -> dict[str, Any] | Reject:
    """`check_row`, and a good row for another place than the actor's refused."""
    checked = check_row(raw, places)
    if isinstance(checked, Reject) or _in_place(actor, checked):
        return checked
    words = reject_message(Reason.outside_place, raw.values, place_text(actor), places)
    return Reject(raw.line, Reason.outside_place, words, raw.original)


def _in_place(actor: Actor, values: Any) -> bool:
    """A row (checked values, or a registry row) within the actor's place."""

    def get(name: str) -> str:
        return str(values[name] if isinstance(values, dict) else getattr(values, name))

    return employee_in_place(actor, get("agency_code"), get("province_code"), get("county_code"))


def _import_bulk(
    session: Session,
    actor: Actor,
    source: Source,
    places: Places,
    run: str,
    summary: ImportSummary,
    rejects: _RejectsWriter,
    progress: Progress | None,
    batch_size: int,
    large_load_rows: int,
) -> None:
    from feedback.registry.bulk_import import import_file

    def write_reject(line: int, reason: Reason, message: str, original: list[str]) -> None:
        _reject(summary, rejects, Reject(line, reason, message, original))

    counts = import_file(
        session,
        source,
        places,
        run,
        write_reject,
        progress,
        batch_size,
        large_load_rows,
        place=registry_place(actor),
    )
    summary.imported, summary.updated, summary.unchanged = (
        counts["new"],
        counts["changed"],
        counts["unchanged"],
    )
    session.commit()
    if progress:
        progress(counts["new"] + counts["changed"] + counts["unchanged"] + counts["rejected"], 1.0)


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _duplicate(line: int, code: str, first_line: int, original: list[str]) -> Reject:
    return Reject(line, Reason.duplicate_in_file, duplicate_message(code, first_line), original)


def _reject(summary: ImportSummary, rejects: _RejectsWriter, reject: Reject) -> None:
    summary.rejected += 1
    rejects.write(reject)


def _flush(
    session: Session,
    actor: Actor,
    places: Places,
    batch: dict[str, dict[str, Any]],
    run: str,
    summary: ImportSummary,
    rejects: _RejectsWriter,
) -> None:
    existing = {
        row.employment_code: row
        for row in session.execute(
            select(
                Employee.id,
                Employee.employment_code,
                Employee.import_run,
                Employee.import_line,
                *(getattr(Employee, f) for f in DATA_FIELDS),
            ).where(Employee.employment_code.in_(list(batch)))
        )
    }
    upserts: list[dict[str, Any]] = []
    markers: list[dict[str, Any]] = []
    elsewhere: set[str] = set()
    for code, values in batch.items():
        line = values.pop("_line")
        original = values.pop("_original")
        old = existing.get(code)
        if old is not None and old.import_run == run:
            _reject(summary, rejects, _duplicate(line, code, old.import_line, original))
            continue
        if old is not None and not _in_place(actor, old):  # registered in another place
            elsewhere.add(code)
            words = reject_message(Reason.outside_place, values, f"{place_text(actor)}|elsewhere", places)
            _reject(summary, rejects, Reject(line, Reason.outside_place, words, original))
            continue
        values.update(import_run=run, import_line=line)
        if old is None:
            summary.imported += 1
            upserts.append(values)
        elif any(getattr(old, f) != values[f] for f in DATA_FIELDS):
            summary.updated += 1
            upserts.append(values)
        else:
            summary.unchanged += 1
            markers.append({"id": old.id, "import_line": line})
    if upserts:
        # executemany: psycopg pipelines the rows; a multi-row VALUES costs more to compile than it saves
        statement = dialect_insert(session, Employee.__table__)
        statement = statement.on_conflict_do_update(
            index_elements=["employment_code"],
            set_={
                name: statement.excluded[name]
                for name in (*DATA_FIELDS, "import_run", "import_line", "updated_at")
            },
        )
        session.execute(statement, upserts)
    for chunk in _chunks(markers, ROWS_PER_STATEMENT):
        lines = {row["id"]: row["import_line"] for row in chunk}
        session.execute(
            update(table_of(Employee))
            .where(Employee.__table__.c.id.in_(list(lines)))
            .values(
                import_run=run,
                import_line=case(lines, value=Employee.__table__.c.id),
                updated_at=Employee.__table__.c.updated_at,  # seen again is not a change
            )
        )
    issue_missing_codes(session, [code for code in batch if code not in elsewhere])
    session.commit()
