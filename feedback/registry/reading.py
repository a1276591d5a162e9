"""Stream the rows of an import file (CSV or Excel) one at a time: memory stays flat for any size."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

from core.errors import ValidationError
from feedback.registry.schemas import HEADERS, REQUIRED, header_key

EXCEL_SUFFIXES = {".xlsx", ".xlsm"}


@dataclasses.dataclass
class RawRow:
    line: int
    values: dict[str, str]
    original: list[str]


@dataclasses.dataclass
class Source:
    """Rows with their line numbers, the header as written, and how far through the file we are.

    `records` are the cells as read, with their line numbers (blank rows included), for the bulk path
    that checks them in the database; `rows` are the same records mapped to our columns, blank rows
    skipped. Both read the one file: use one or the other."""

    header: list[str]
    mapping: dict[int, str]
    records: Iterator[tuple[int, list[str]]]
    fraction: Callable[[], float]
    close: Callable[[], None]
    text: TextIO | None = None  # a CSV's text after the header, for a reader of whole lines
    next_line: int = 2  # the line number of `text`'s next line

    @property
    def rows(self) -> Iterator[RawRow]:
        return _rows(self.records, self.mapping)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _map_header(header: list[str]) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for index, name in enumerate(header):
        column = HEADERS.get(header_key(name))
        if column is not None and column not in mapping.values():
            mapping[index] = column
    missing = [c for c in REQUIRED if c not in mapping.values()]
    if missing:
        raise ValidationError(
            "the header row lacks columns: " + ", ".join(missing),
            fields={"file": "missing_columns"},
            missing=missing,
        )
    return mapping


def is_blank(record: list[str]) -> bool:
    return not any(cell.strip() for cell in record)


def mapped_values(record: list[str], mapping: dict[int, str]) -> dict[str, str]:
    """The record's cells under our column names, stripped; a cell the record lacks is empty."""
    return {column: (record[i].strip() if i < len(record) else "") for i, column in mapping.items()}


def _rows(records: Iterator[tuple[int, list[str]]], mapping: dict[int, str]) -> Iterator[RawRow]:
    for line, record in records:
        if not is_blank(record):
            yield RawRow(line, mapped_values(record, mapping), record)


def open_source(path: Path) -> Source:
    if path.suffix.lower() in EXCEL_SUFFIXES:
        return _open_excel(path)
    return _open_csv(path)


def _open_csv(path: Path) -> Source:
    raw = path.open("rb")
    size = max(path.stat().st_size, 1)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raw.close()
        raise ValidationError("the file is empty", fields={"file": "empty"}) from None
    except UnicodeDecodeError:
        raw.close()
        raise ValidationError("the file is not UTF-8 text", fields={"file": "not_utf8"}) from None
    try:
        mapping = _map_header(header)
    except ValidationError:
        raw.close()
        raise

    def records() -> Iterator[tuple[int, list[str]]]:
        line = reader.line_num
        try:
            for record in reader:
                yield line + 1, record
                line = reader.line_num
        except UnicodeDecodeError:
            raise ValidationError(f"line {line + 1}: not UTF-8 text", fields={"file": "not_utf8"}) from None

    return Source(
        header,
        mapping,
        records(),
        lambda: min(raw.tell() / size, 1.0),
        raw.close,
        text=text,
        next_line=reader.line_num + 1,
    )


def _open_excel(path: Path) -> Source:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = [_cell(v) for v in next(rows)]
    except StopIteration:
        workbook.close()
        raise ValidationError("the workbook's first sheet is empty", fields={"file": "empty"}) from None
    try:
        mapping = _map_header(header)
    except ValidationError:
        workbook.close()
        raise
    total = max((sheet.max_row or 0), 1)
    position = {"line": 1}

    def records() -> Iterator[tuple[int, list[str]]]:
        for line, values in enumerate(rows, start=2):
            position["line"] = line
            yield line, [_cell(v) for v in values]

    return Source(header, mapping, records(), lambda: min(position["line"] / total, 1.0), workbook.close)
