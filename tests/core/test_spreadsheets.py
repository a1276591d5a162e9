"""Excel cells from anyone's text: stored as text, and a control character no workbook can hold is
dropped rather than failing the whole export."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from core.spreadsheets import xlsx_bytes


def test_control_characters_are_dropped_and_formulas_stay_text():
    book = load_workbook(io.BytesIO(xlsx_bytes([["مرکز\x01 الف\x1f", "=1+1", 12]], "sheet")))
    [row] = list(book.active.iter_rows(values_only=True))
    assert row == ("مرکز الف", "=1+1", 12)
    assert book.active["B1"].data_type == "s"  # text, never a formula
