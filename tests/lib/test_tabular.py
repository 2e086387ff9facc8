from __future__ import annotations

import contextlib
import datetime as dt
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from finsam.lib.tabular import (
    TabularError,
    escape_cell,
    read_table,
    unescape_cell,
    write_table,
)

from ..formulas import FORMULAS, assert_csv_inert, assert_xlsx_inert


def test_csv_with_semicolons_and_bom():
    data = "\ufeffNamn;Kod\nA;1\n;\nB;2\n".encode()
    table = read_table(data, filename="x.csv")
    assert table.columns == ["namn", "kod"]
    # Row numbers are the spreadsheet's: the header is row 1, the empty row 3 is skipped.
    assert table.rows == [(2, {"namn": "A", "kod": "1"}), (4, {"namn": "B", "kod": "2"})]


def test_csv_with_commas_and_quotes():
    table = read_table(b'namn,kod\n"A, B",1\n', filename="x.csv")
    assert table.rows == [(2, {"namn": "A, B", "kod": "1"})]


def test_short_rows_get_empty_cells_and_long_rows_are_marked():
    table = read_table(b"a;b\n1\n1;2;3\n", filename="x.csv")
    assert table.rows[0] == (2, {"a": "1", "b": ""})
    assert table.rows[1][1]["\x00extra"] == "3"


def test_xlsx_values_become_the_strings_a_csv_would_hold():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Kod", "Datum", "Tal", "Text"])
    sheet.append(["0380", dt.date(2015, 3, 1), 12, "x"])
    sheet.append([380, dt.datetime(2015, 3, 1), 1.5, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table(buffer.getvalue(), filename="f.xlsx")
    assert table.rows == [
        (2, {"kod": "0380", "datum": "2015-03-01", "tal": "12", "text": "x"}),
        (3, {"kod": "380", "datum": "2015-03-01", "tal": "1.5", "text": ""}),
    ]


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_formula_cells_are_escaped_on_export_and_restored_on_import(format):
    rows = [{"a": "=SUM(A1)", "b": -5, "c": "-5"}, {"a": "@x", "b": 3, "c": "'quoted"}]
    data = write_table(["a", "b", "c"], rows, format=format)
    if format == "xlsx":
        sheet = load_workbook(io.BytesIO(data)).active
        assert sheet["A2"].value == "'=SUM(A1)"
        assert sheet["A2"].data_type == "s"  # text, never a formula
        assert sheet["B2"].value == -5  # numbers stay numbers
    else:
        assert b"'=SUM(A1)" in data
    table = read_table(data, filename=f"x.{format}")
    assert [row for _, row in table] == [
        {"a": "=SUM(A1)", "b": "-5", "c": "-5"},
        {"a": "@x", "b": "3", "c": "'quoted"},
    ]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "x.csv", "tom"),
        ("namn\nå\n".encode("latin-1"), "x.csv", "UTF-8"),
        (b"PK\x03\x04garbage", "x.xlsx", "Excel-filen"),
        (b'a;b\n"unterminated\n', "x.csv", "CSV"),
    ],
)
def test_unreadable_files_give_a_swedish_error(data, filename, message):
    with pytest.raises(TabularError, match=message):
        read_table(data, filename=filename)


def test_row_cap():
    data = b"a\n" + b"1\n" * 11
    with pytest.raises(TabularError, match="fler än 10 rader"):
        read_table(data, filename="x.csv", max_rows=10)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["x.csv", "x.xlsx", "x"]))
def test_read_table_raises_nothing_but_tabular_error(data, filename):
    with contextlib.suppress(TabularError):
        read_table(data, filename=filename)


def test_xlsx_export_leaves_out_control_characters():
    data = write_table(["namn"], [{"namn": "Unga\x1f in\x00"}], format="xlsx")
    assert list(read_table(data, filename="x.xlsx")) == [(2, {"namn": "Unga in"})]


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_every_formula_start_of_owasp_is_escaped(format):
    rows = [{"a": formula} for formula in FORMULAS]
    data = write_table(["a"], rows, format=format)
    if format == "csv":
        assert_csv_inert(data)
    else:
        assert_xlsx_inert(data)


@pytest.mark.parametrize("value", ["Unga 16–29", "1990-01-01", "a=b", "A-1", "", "'"])
def test_plain_text_is_left_alone_or_restored(value):
    assert unescape_cell(escape_cell(value)) == value
    assert escape_cell(value) == value or value == "'"
