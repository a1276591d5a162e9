"""Cells for CSV and Excel files that people open in a spreadsheet: text never runs as a formula.

Exported values can come from anyone (an agency's name, a unit's name in an uploaded registry, a row
rejected by an import), and a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab
or carriage return before one) as a formula: `=HYPERLINK(...)` or worse (formula injection, OWASP
"CSV Injection"). Every export of both apps writes its cells through here:
- CSV: such a text cell gets a leading apostrophe, which spreadsheets show as text and hide;
- Excel: every text cell is stored as text (never as a formula), its value unchanged.
Numbers stay numbers (a negative number is a number, not a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> Any:
    """The CSV cell for `value`: text that a spreadsheet would run as a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(sections: Iterable[Sequence[Sequence[Any]]]) -> bytes:
    """Rows as CSV in UTF-8 with a byte-order mark (so Excel shows Persian right); sections of rows are
    separated by an empty line; every cell is neutralized."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for index, rows in enumerate(sections):
        if index:
            writer.writerow([])
        writer.writerows([neutralize(cell) for cell in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_row(writer: Any, row: Sequence[Any]) -> None:
    """One neutralized row to a `csv.writer` (for files written as they come, such as import rejects)."""
    writer.writerow([neutralize(cell) for cell in row])


def append_row(sheet: Any, row: Sequence[Any]) -> None:
    """One row to an openpyxl worksheet, every text cell stored as text (never as a formula); control
    characters an Excel file cannot hold (a name pasted with a stray \x01) are dropped, not a 500."""
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) if isinstance(cell, str) else cell for cell in row])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def xlsx_bytes(rows: Iterable[Sequence[Any]], title: str, *, right_to_left: bool = True) -> bytes:
    """Rows as a one-sheet Excel workbook, right to left for Persian, no text cell a formula."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.sheet_view.rightToLeft = right_to_left
    for row in rows:
        append_row(sheet, row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
