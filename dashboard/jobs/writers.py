"""Typed rows to files, in constant memory.

Each store's part of an export is first written as JSON lines (one list of cells per
line) to an intermediate file that can be truncated back to a saved byte offset and
appended to, which is what makes a killed task resumable. The assembly step streams
those into the final CSV or XLSX (xlsxwriter's constant-memory mode).

Formula injection: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
return is prefixed with a single quote in both formats (OWASP's advice), and XLSX
cells are always written as strings or numbers, never as formulas or URLs.

An XLSX sheet holds 1,048,576 rows; XlsxWriter drops a cell past that (it returns -1)
and the row would be lost without a word. Rows past a sheet's capacity go on a new
sheet with the same header ("Orders", "Orders (2)", ...), and a cell XlsxWriter
refuses for any other reason stops the export rather than lose it.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from .columns import BOOL, DATETIME, INT, MONEY, Column

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A text cell that a spreadsheet will show as text, never run as a formula."""
    if value and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


# --- the resumable intermediate --------------------------------------------------------


class PartFile:
    """Append-only JSON lines, cut back to a known offset before resuming.

    `append_rows` returns the file's new size once the bytes are on disk; saving that
    offset together with the cursor is what makes a page either fully in or fully out.
    """

    def __init__(self, path: Path):
        self.path = Path(path)

    def open_at(self, offset: int) -> bool:
        """Open for appending at `offset`. False when the file holds fewer bytes than
        that (it was written on another machine): the caller starts over."""
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        mode = "r+b" if self.path.exists() else "w+b"
        self._fh = open(self.path, mode)  # noqa: SIM115 (closed by close())
        size = self._fh.seek(0, os.SEEK_END)
        if size < offset:
            self._fh.close()
            return False
        self._fh.truncate(offset)
        self._fh.seek(offset)
        return True

    def append_rows(self, rows: Iterable[list]) -> int:
        for row in rows:
            self._fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        return self._fh.tell()

    def close(self) -> None:
        fh = getattr(self, "_fh", None)
        if fh is not None and not fh.closed:
            fh.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_rows(path: Path, limit_bytes: int | None = None) -> Iterator[list]:
    """The rows of an intermediate file, up to `limit_bytes` (the committed offset)."""
    with open(path, "rb") as fh:
        read = 0
        for line in fh:
            read += len(line)
            if limit_bytes is not None and read > limit_bytes:
                return
            yield json.loads(line)


# --- final formats ---------------------------------------------------------------------


def _csv_cell(column: Column, value):
    if value is None:
        return ""
    if column.type == BOOL:
        return "true" if value else "false"
    if column.type in (MONEY, INT):
        return str(value)
    return neutralise(str(value))


def write_csv(path: Path, columns: list[Column], rows: Iterable[list]) -> int:
    """UTF-8 with a BOM (so Excel reads accents right), a header row, then the rows."""
    count = 0
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.label for c in columns])
        for row in rows:
            writer.writerow([_csv_cell(c, v) for c, v in zip(columns, row, strict=True)])
            count += 1
    return count


# Data rows one XLSX sheet holds: Excel's 1,048,576 rows less the header row. A module
# constant so that a test can lower it rather than write a million rows.
XLSX_ROWS_PER_SHEET = 1_048_575
# XlsxWriter's answer for a cell outside the sheet (the cell is not written).
_OUT_OF_RANGE = -1


class XlsxCellRefused(Exception):
    """XlsxWriter did not write a cell: the file would lack it."""


def xlsx_sheet_name(base: str, number: int) -> str:
    """The name of the `number`th sheet: "Orders", "Orders (2)", ... (Excel allows 31 characters)."""
    if number == 1:
        return base[:31]
    suffix = f" ({number})"
    return base[: 31 - len(suffix)] + suffix


def write_xlsx(path: Path, columns: list[Column], rows: Iterable[list], *, sheet: str = "Export") -> int:
    """A header row, then the rows; past XLSX_ROWS_PER_SHEET rows on a sheet, on the
    next sheet under the same header. Returns the rows written (all of them)."""
    workbook = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    try:
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "0.00"})
        when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})

        def new_sheet(number: int):
            worksheet = workbook.add_worksheet(xlsx_sheet_name(sheet, number))
            for col, column in enumerate(columns):
                worksheet.write_string(0, col, column.label, bold)
                worksheet.set_column(col, col, 20 if column.type == DATETIME else 14)
            return worksheet

        sheets = 1
        worksheet = new_sheet(sheets)
        count = line = 0
        for row in rows:
            if line == XLSX_ROWS_PER_SHEET:
                sheets += 1
                worksheet = new_sheet(sheets)
                line = 0
            line += 1
            count += 1
            for col, (column, value) in enumerate(zip(columns, row, strict=True)):
                if value is None or value == "":
                    continue
                if _write_cell(worksheet, line, col, column, value, money=money, when=when) == _OUT_OF_RANGE:
                    raise XlsxCellRefused(f"Row {count} did not fit on sheet {worksheet.name}.")
    finally:
        workbook.close()
    return count


def _write_cell(worksheet, line: int, col: int, column: Column, value, *, money, when) -> int:
    """Write one typed cell; XlsxWriter's answer (0 when written)."""
    if column.type == MONEY:
        return worksheet.write_number(line, col, float(Decimal(value)), money)
    if column.type == INT:
        return worksheet.write_number(line, col, int(value))
    if column.type == BOOL:
        return worksheet.write_boolean(line, col, bool(value))
    if column.type == DATETIME:
        try:
            return worksheet.write_datetime(line, col, datetime.strptime(value, "%Y-%m-%d %H:%M:%S"), when)
        except ValueError:
            pass
    return worksheet.write_string(line, col, neutralise(str(value)))
