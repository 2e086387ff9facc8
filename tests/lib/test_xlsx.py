"""The XLSX reader that hostile workbooks cannot take down (finsam/lib/xlsx.py).

The two bombs of issue 11 are committed in tests/files (made by make_xlsx_bombs.py):
read in-process by calamine, the first aborts the process (512 GiB) and the second costs
39 s and 1.15 GB. Here they are refused by the scan of the sheet's cell references,
before calamine runs, and whatever gets past the scan meets the child's memory limit.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from finsam.lib import xlsx
from finsam.lib.tabular import TabularError, read_table

from ..files.make_xlsx_bombs import workbook

FILES = Path(__file__).resolve().parent.parent / "files"
BOMBS = {
    "bomb_a1_xfd1048576.xlsx": "bladet når kolumn XFD och rad 1\u00a0048\u00a0576",
    "bomb_a1_zz50000.xlsx": "bladet når kolumn ZZ och rad 50\u00a0000",
}


@pytest.mark.parametrize("name", sorted(BOMBS))
def test_bomb_is_refused_naming_the_limits(name):
    with pytest.raises(TabularError) as refused:
        read_table((FILES / name).read_bytes(), filename=name)
    message = str(refused.value)
    assert BOMBS[name] in message
    assert "högst 64 kolumner (till kolumn BL) och 200\u00a0000 rader" in message


def test_the_declared_dimension_is_not_trusted_either_way():
    # A huge declared rectangle over two real cells is read; the real cells decide.
    lying = workbook("B2", dimension="A1:XFD1048576")
    assert xlsx.read_rows(lying, max_rows=10) == [(1, ["a"]), (2, ["", "1"])]
    small_claim = workbook("XFD1048576", dimension="A1:B2")
    with pytest.raises(xlsx.XlsxError, match="kolumn XFD"):
        xlsx.read_rows(small_claim, max_rows=10)


@pytest.mark.parametrize("last", ["BL2", "A200000"])
def test_a_sheet_up_to_the_limits_is_read(last):
    rows = xlsx.read_rows(workbook(last), max_rows=10)
    assert rows[0] == (1, ["a"])
    assert rows[1] == (
        int(last.lstrip("ABL")),
        [*[""] * (xlsx.column_index(last.rstrip("0123456789")) - 1), "1"],
    )


def test_cells_placed_without_references_are_checked_too():
    # No r="…" on the cells: only calamine knows where they land; 65 columns is one too many.
    cells = "".join("<c><v>1</v></c>" for _ in range(65))
    data = _with_sheet_data(f"<row>{cells}</row>")
    with pytest.raises(xlsx.XlsxError, match="bladet når kolumn BM och rad 1"):
        xlsx.read_rows(data, max_rows=10)


def test_memory_limit_stops_the_child_not_the_caller():
    # 150 000 × 64 cells pass the scan but need about 300 MB: the child aborts (SIGABRT),
    # this process gets a Swedish message and goes on.
    with pytest.raises(xlsx.XlsxError) as refused:
        xlsx.read_rows(workbook("BL150000"), max_rows=10, memory_limit=256 * 1024 * 1024)
    assert str(refused.value) == xlsx.too_much_memory(256 * 1024 * 1024)
    assert "256 MB minne" in str(refused.value)
    assert xlsx.read_rows(workbook("B2"), max_rows=10) == [(1, ["a"]), (2, ["", "1"])]


def test_a_zip_that_unpacks_too_far_is_refused():
    buffer = io.BytesIO(workbook("B2"))
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", bytes(xlsx.MAX_UNCOMPRESSED))
    assert len(buffer.getvalue()) < 1024 * 1024
    with pytest.raises(xlsx.XlsxError, match=r"för stor uppackad \(200 MB; högst 200 MB\)"):
        xlsx.read_rows(buffer.getvalue(), max_rows=10)


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04garbage", b"PK" + bytes(100)])
def test_broken_files_are_a_message(data):
    with pytest.raises(xlsx.XlsxError, match="Excel-filen kan inte läsas"):
        xlsx.read_rows(data, max_rows=10)


def test_column_names():
    assert [xlsx.column_name(i) for i in (1, 26, 27, 64, 702, 16384)] == [
        "A",
        "Z",
        "AA",
        "BL",
        "ZZ",
        "XFD",
    ]
    assert xlsx.column_index("XFD") == 16384


def _with_sheet_data(rows: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(workbook("A1")))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                head, _, _ = content.partition(b"<sheetData>")
                content = head + f"<sheetData>{rows}</sheetData></worksheet>".encode()
            archive.writestr(member, content)
    return buffer.getvalue()
