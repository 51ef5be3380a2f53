"""Typed rows to files, in constant memory.

Each store's part of an export is first written as JSON lines (one list of cells per
line) to an intermediate file that can be truncated back to a saved byte offset and
appended to, which is what makes a killed task resumable. The assembly step streams
those into the final CSV or XLSX (xlsxwriter's constant-memory mode).

Formula injection: a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
return is prefixed with a single quote in both formats (OWASP's advice), and XLSX
cells are always written as strings or numbers, never as formulas or URLs.
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


def write_xlsx(path: Path, columns: list[Column], rows: Iterable[list], *, sheet: str = "Export") -> int:
    workbook = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    try:
        worksheet = workbook.add_worksheet(sheet[:31])
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "0.00"})
        when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        for col, column in enumerate(columns):
            worksheet.write_string(0, col, column.label, bold)
            worksheet.set_column(col, col, 20 if column.type == DATETIME else 14)
        count = 0
        for count, row in enumerate(rows, start=1):
            for col, (column, value) in enumerate(zip(columns, row, strict=True)):
                if value is None or value == "":
                    continue
                if column.type == MONEY:
                    worksheet.write_number(count, col, float(Decimal(value)), money)
                elif column.type == INT:
                    worksheet.write_number(count, col, int(value))
                elif column.type == BOOL:
                    worksheet.write_boolean(count, col, bool(value))
                elif column.type == DATETIME:
                    try:
                        worksheet.write_datetime(count, col, datetime.strptime(value, "%Y-%m-%d %H:%M:%S"), when)
                    except ValueError:
                        worksheet.write_string(count, col, neutralise(str(value)))
                else:
                    worksheet.write_string(count, col, neutralise(str(value)))
    finally:
        workbook.close()
    return count
