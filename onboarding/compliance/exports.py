"""CSV and Excel exports of the matrix and of one agency's detail, in Persian or English.

CSV starts with a UTF-8 byte-order mark so Excel shows Persian correctly; Excel sheets are
right-to-left in Persian; no text cell runs as a formula (core.spreadsheets). Values are plain
numbers (percent, one decimal) so they sort and sum.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from core.dates import format_jalali_numeric
from core.spreadsheets import append_row, csv_bytes, csv_row
from onboarding.compliance.models import Milestone
from onboarding.compliance.reports import AgencyReport, MatrixRow

CSV_CHUNK_ROWS = 500

STATUS_WORDS = {
    "fa": {
        "met": "محقق شده",
        "on_track": "در مسیر",
        "at_risk": "در خطر",
        "missed": "از دست رفته",
        "no_data": "بدون داده",
    },
    "en": {
        "met": "met",
        "on_track": "on track",
        "at_risk": "at risk",
        "missed": "missed",
        "no_data": "no data",
    },
}
STATUS_FILL = {
    "met": "C6EFCE",
    "on_track": "DDEBF7",
    "at_risk": "FFEB9C",
    "missed": "FFC7CE",
    "no_data": "EDEDED",
}
WORDS = {
    "fa": {
        "code": "کد دستگاه",
        "agency": "دستگاه",
        "ministry": "وزارتخانه",
        "kind": "نوع",
        "province": "استان",
        "value": "مقدار ٪",
        "status": "وضعیت",
        "count": "صورت/مخرج",
        "group": "با زیرمجموعه ٪",
        "declared": "اظهارشده ٪",
        "milestone": "نقطه‌ی عطف",
        "target": "هدف ٪",
        "deadline": "مهلت",
        "day": "تاریخ",
        "projected": "پیش‌بینی ٪",
        "service_code": "کد خدمت",
        "service": "خدمت",
        "have": "وضعیت کنونی",
        "need": "لازم",
        "matrix": "ماتریس انطباق",
        "summary": "خلاصه",
        "services": "خدمات زیر هدف",
    },
    "en": {
        "code": "agency code",
        "agency": "agency",
        "ministry": "ministry",
        "kind": "kind",
        "province": "province",
        "value": "value %",
        "status": "status",
        "count": "numerator/denominator",
        "group": "with sub-agencies %",
        "declared": "declared %",
        "milestone": "milestone",
        "target": "target %",
        "deadline": "deadline",
        "day": "day",
        "projected": "projected %",
        "service_code": "service code",
        "service": "service",
        "have": "now",
        "need": "needs",
        "matrix": "compliance matrix",
        "summary": "summary",
        "services": "services below target",
    },
}


def _percent(value: float | None) -> float | str:
    return "" if value is None else round(value * 100, 1)


def matrix_header(milestones: Sequence[Milestone], locale: str) -> tuple[list[str], list[int]]:
    """The matrix's header, and the column indexes holding statuses (for colouring)."""
    w = WORDS[locale]
    header = [w["code"], w["agency"], w["ministry"], w["kind"], w["province"]]
    status_columns = []
    for milestone in milestones:
        title = milestone.title(locale)
        status_columns.append(len(header) + 1)
        header += [f"{title}: {w['value']}", f"{title}: {w['status']}", f"{title}: {w['count']}"]
        header.append(f"{title}: {w['group']}")
        if milestone.evidence_required:  # the value is the evidenced figure; the declared one beside it
            header.append(f"{title}: {w['declared']}")
    return header, status_columns


def matrix_line(row: MatrixRow, milestones: Sequence[Milestone], locale: str) -> list[object]:
    statuses = STATUS_WORDS[locale]
    line: list[object] = [
        row.agency.code,
        row.agency.name(locale),
        row.ministry.name(locale) if row.ministry else "",
        row.agency.kind,
        row.agency.province_code or "",
    ]
    for milestone in milestones:
        cell = row.cells.get(milestone.id)
        if cell is None:
            line += ["", "", "", ""] + ([""] if milestone.evidence_required else [])
            continue
        line += [
            _percent(cell.value),
            statuses[cell.status],
            f"{cell.numerator}/{cell.denominator}",
            _percent(cell.group_value) if row.has_children else "",
        ]
        if milestone.evidence_required:
            line.append(_percent(cell.declared_value))
    return line


def matrix_csv(milestones: Sequence[Milestone], rows: Iterable[MatrixRow], locale: str) -> Iterator[bytes]:
    """The matrix as CSV, yielded a few hundred rows at a time (the download streams every row)."""
    header, _status_columns = matrix_header(milestones, locale)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    csv_row(writer, header)
    for index, row in enumerate(rows, start=1):
        csv_row(writer, matrix_line(row, milestones, locale))
        if index % CSV_CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def matrix_xlsx(milestones: Sequence[Milestone], rows: Iterable[MatrixRow], locale: str) -> bytes:
    header, status_columns = matrix_header(milestones, locale)
    lines = (matrix_line(row, milestones, locale) for row in rows)
    return to_xlsx([(WORDS[locale]["matrix"], header, lines, status_columns)], locale)


def agency_tables(
    report: AgencyReport, locale: str
) -> tuple[tuple[list[str], list[list[object]]], tuple[list[str], list[list[object]]]]:
    w, statuses = WORDS[locale], STATUS_WORDS[locale]
    summary_header = [
        w["milestone"],
        w["target"],
        w["deadline"],
        w["day"],
        w["value"],
        w["count"],
        w["status"],
        w["projected"],
        w["group"],
        w["declared"],
    ]
    summary = []
    services_header = [w["milestone"], w["service_code"], w["service"], w["have"], w["need"]]
    services: list[list[object]] = []
    for detail in report.details:
        m, s = detail.milestone, detail.latest
        summary.append(
            [
                m.title(locale),
                round(m.target * 100, 1),
                format_jalali_numeric(m.deadline, locale),
                format_jalali_numeric(s.day, locale) if s else "",
                _percent(s.value) if s else "",
                f"{s.numerator}/{s.denominator}" if s else "",
                statuses[s.status] if s else "",
                _percent(s.projected) if s else "",
                _percent(s.group_value) if s else "",
                _percent(s.declared_value) if s else "",
            ]
        )
        for item in detail.shortfall:
            services.append([m.title(locale), item.code, item.name(locale), item.have, item.need])
    return (summary_header, summary), (services_header, services)


def to_csv(sections: Iterable[tuple[Sequence[str], Sequence[Sequence[object]]]]) -> bytes:
    return csv_bytes([[header, *rows] for header, rows in sections])


def to_xlsx(
    sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence[object]], Sequence[int]]], locale: str
) -> bytes:
    """Each sheet: (title, header, rows, status column indexes to colour)."""
    book = Workbook()
    book.remove(book.active)
    reverse = {word: status for status, word in STATUS_WORDS[locale].items()}
    for title, header, rows, status_columns in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.sheet_view.rightToLeft = locale == "fa"
        append_row(sheet, header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            append_row(sheet, row)
        for column in status_columns:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column + 1, max_col=column + 1):
                status = reverse.get(str(cell.value))
                if status:
                    cell.fill = PatternFill("solid", fgColor=STATUS_FILL[status])
        sheet.freeze_panes = "C2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def agency_export(report: AgencyReport, locale: str, fmt: str) -> bytes:
    (summary_header, summary), (services_header, services) = agency_tables(report, locale)
    if fmt == "csv":
        return to_csv([(summary_header, summary), (services_header, services)])
    w = WORDS[locale]
    return to_xlsx(
        [(w["summary"], summary_header, summary, [6]), (w["services"], services_header, services, [])], locale
    )
