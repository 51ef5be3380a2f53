"""Export writers: typed cells, formula neutralising, resumable intermediate files."""

import csv
from decimal import Decimal

import openpyxl
import pytest
import xlsxwriter

from dashboard.jobs import columns as cols
from dashboard.jobs import writers
from dashboard.jobs.writers import PartFile, neutralise, read_rows, write_csv, write_xlsx
from tests.factories import StoreFactory

ORDER = {
    "number": "10042",
    "date_placed": "2026-03-01T03:30:00Z",
    "status": "open",
    "payment_status": "paid",
    "fulfillment_status": "unfulfilled",
    "currency": "USD",
    "total_excl_tax": "100.00",
    "total_tax": "8.25",
    "shipping_incl_tax": "5.00",
    "total_discount": "0.00",
    "total_incl_tax": "113.25",
    "total_outstanding": "-1.50",
    "shipping_method": '=HYPERLINK("http://evil")',
    "source": "checkout",
    "is_test": False,
    "user": {"email": "@ana@example.com", "first_name": "+Ana", "last_name": "Lopez"},
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+33 6 12", "'+33 6 12"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("", ""),
        ("a=b", "a=b"),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


@pytest.fixture
def store():
    return StoreFactory.build(subdomain="acme", timezone="America/New_York")


def test_order_row_uses_the_stores_timezone_and_money_strings(store):
    columns = cols.columns_for("orders")
    (row,) = cols.rows_for_order(columns, ORDER, store)
    cell = dict(zip([c.key for c in columns], row, strict=True))
    assert cell["store"] == "acme"
    assert cell["date_placed"] == "2026-02-28 22:30:00"  # 03:30 UTC is 22:30 the day before in New York
    assert cell["timezone"] == "America/New_York"
    assert cell["total_incl_tax"] == "113.25"
    assert cell["total_outstanding"] == "-1.50"
    assert cell["customer_name"] == "+Ana Lopez"
    assert cell["is_test"] is False


def test_order_lines_give_one_row_per_line(store):
    columns = cols.columns_for("order_lines")
    lines = [
        {"id": 1, "sku": "A", "quantity": 2, "price_incl_tax": "10.50", "price_excl_tax": "10.00"},
        {"id": 2, "sku": "=B", "quantity": 1, "price_incl_tax": "3.00", "price_excl_tax": "3.00"},
    ]
    rows = cols.rows_for_order(columns, ORDER, store, lines)
    keys = [c.key for c in columns]
    assert [r[keys.index("line_id")] for r in rows] == [1, 2]
    assert rows[0][keys.index("line_total_incl_tax")] == "21.00"
    assert cols.rows_for_order(columns, ORDER, store, []) == []


def test_csv_neutralises_text_and_keeps_numbers(tmp_path, store):
    columns = cols.columns_for("orders")
    rows = cols.rows_for_order(columns, ORDER, store)
    path = tmp_path / "out.csv"
    assert write_csv(path, columns, rows) == 1
    with open(path, encoding="utf-8-sig", newline="") as fh:
        header, row = list(csv.reader(fh))
    cell = dict(zip(header, row, strict=True))
    assert header[0] == "store"
    assert cell["shipping method"] == '\'=HYPERLINK("http://evil")'
    assert cell["customer email"] == "'@ana@example.com"
    assert cell["customer name"] == "'+Ana Lopez"
    assert cell["outstanding"] == "-1.50"  # a number, not neutralised
    assert cell["test order"] == "false"


def test_xlsx_has_numbers_dates_and_no_formulas(tmp_path, store):
    columns = cols.columns_for("orders")
    rows = cols.rows_for_order(columns, ORDER, store) * 3
    path = tmp_path / "out.xlsx"
    assert write_xlsx(path, columns, rows) == 3
    sheet = openpyxl.load_workbook(path).active
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert sheet.max_row == 4
    assert values["total incl. tax"] == pytest.approx(113.25)
    assert Decimal(str(values["outstanding"])) == Decimal("-1.5")
    assert values["date placed"].isoformat() == "2026-02-28T22:30:00"
    assert values["shipping method"] == '\'=HYPERLINK("http://evil")'
    for cell in sheet[2]:
        assert cell.data_type != "f"


def test_xlsx_rows_past_a_sheets_capacity_go_on_a_new_sheet_with_the_header(tmp_path, store, monkeypatch):
    # A sheet holds 1,048,575 rows under its header; three here, so as not to write a million.
    monkeypatch.setattr(writers, "XLSX_ROWS_PER_SHEET", 3)
    columns = cols.columns_for("orders")
    (row,) = cols.rows_for_order(columns, ORDER, store)
    number = [c.key for c in columns].index("number")
    rows = [[*row[:number], str(n), *row[number + 1 :]] for n in range(1, 8)]
    path = tmp_path / "out.xlsx"
    assert write_xlsx(path, columns, rows, sheet="Orders") == 7
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Orders", "Orders (2)", "Orders (3)"]
    found = []
    for sheet in workbook.worksheets:
        header, *body = list(sheet.iter_rows(values_only=True))
        assert header == tuple(c.label for c in columns)
        found.append([r[number] for r in body])
    assert found == [["1", "2", "3"], ["4", "5", "6"], ["7"]]  # every row once, in order


def test_xlsx_sheet_capacity_is_what_xlsxwriter_accepts(tmp_path):
    """The real capacity, checked against the library without writing a million rows:
    the last data row is accepted, the next one would be dropped (-1)."""
    workbook = xlsxwriter.Workbook(str(tmp_path / "limit.xlsx"), {"constant_memory": True})
    sheet = workbook.add_worksheet()
    assert writers.XLSX_ROWS_PER_SHEET == 1_048_575
    assert sheet.write_string(writers.XLSX_ROWS_PER_SHEET, 0, "last row") == 0  # under the header at row 0
    assert sheet.write_string(writers.XLSX_ROWS_PER_SHEET + 1, 0, "lost") == -1
    workbook.close()


def test_xlsx_sheet_names_stay_within_excels_31_characters():
    assert writers.xlsx_sheet_name("Orders", 1) == "Orders"
    assert writers.xlsx_sheet_name("Orders", 12) == "Orders (12)"
    long = "A resource with a very long name indeed"
    assert writers.xlsx_sheet_name(long, 1) == long[:31]
    assert writers.xlsx_sheet_name(long, 2) == long[:27] + " (2)"


def test_part_file_resumes_from_the_saved_offset(tmp_path):
    path = tmp_path / "part.jsonl"
    with PartFile(path) as part:
        assert part.open_at(0)
        saved = part.append_rows([["a", 1], ["b", 2]])
        part.append_rows([["c", 3]])  # written, but its progress was never saved
    with PartFile(path) as part:
        assert part.open_at(saved)  # cut back to the saved offset
        end = part.append_rows([["c", 3], ["d", 4]])
    assert list(read_rows(path)) == [["a", 1], ["b", 2], ["c", 3], ["d", 4]]
    assert list(read_rows(path, limit_bytes=saved)) == [["a", 1], ["b", 2]]
    assert path.stat().st_size == end


def test_part_file_shorter_than_the_offset_asks_to_start_over(tmp_path):
    with PartFile(tmp_path / "missing.jsonl") as part:
        assert not part.open_at(100)
