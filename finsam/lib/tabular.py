"""Reading and writing the tables of spec/import.md: CSV (`;` or `,`) and XLSX (first sheet).

Cells are strings after reading, whatever the format, so every import kind validates
one representation. Exported cells that a spreadsheet would run as a formula are
prefixed with `'` (`escape_cell`, used by every CSV and XLSX Finsam writes: the import
exports, the pseudonymised deltaganden, fel.csv and the report workbook); the reader
removes exactly that prefix again so that an export imports back unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .xlsx import XlsxError, read_rows

MAX_ROWS = 60_000
MAX_BYTES = 50 * 1024 * 1024
# OWASP's list for CSV injection: a spreadsheet runs a cell starting with any of these as a
# formula (tab and carriage return because spreadsheets drop them before looking).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ESCAPE = "'"
# Leading characters a spreadsheet may skip before it decides a cell is a formula.
_SKIPPED = "".join(chr(c) for c in range(0x21)) + "\x7f"
_ZIP_SIGNATURE = b"PK\x03\x04"


class TabularError(ValueError):
    """The file cannot be read as a table; the message is Swedish and safe to show."""


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        return iter(self.rows)


def escape_cell(value: str) -> str:
    """Text that no spreadsheet runs as a formula: `'` in front of anything formula-like.

    A value that starts with `'` is escaped too, so that `unescape_cell` gives it back whole.
    """
    if value.startswith(FORMULA_STARTS) or value.lstrip(_SKIPPED).startswith(
        (*FORMULA_STARTS, _ESCAPE)
    ):
        return _ESCAPE + value
    return value


def xlsx_text(value: str) -> str:
    """Text for a worksheet cell: escaped, without the control characters XLSX cannot store.

    They are left out before escaping, so that their removal cannot uncover a formula (a
    control character followed by `=`). openpyxl writes any string starting with `=` as a
    formula.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return escape_cell(ILLEGAL_CHARACTERS_RE.sub("", value))


def unescape_cell(value: str) -> str:
    if value.startswith(_ESCAPE):
        return value[1:]
    return value


def _is_xlsx(data: bytes, filename: str) -> bool:
    return Path(filename).suffix.lower() in {".xlsx", ".xlsm"} or data.startswith(_ZIP_SIGNATURE)


def read_table(data: bytes, *, filename: str, max_rows: int = MAX_ROWS) -> Table:
    if len(data) > MAX_BYTES:
        raise TabularError(f"Filen är för stor (högst {MAX_BYTES // (1024 * 1024)} MB).")
    raw_rows = (
        _read_xlsx(data, max_rows)
        if _is_xlsx(data, filename)
        else enumerate(_read_csv(data), start=1)
    )
    header: list[str] | None = None
    table = Table(columns=[])
    for number, cells in raw_rows:
        if header is None:
            header = [c.strip().lower() for c in cells]
            while header and not header[-1]:
                header.pop()
            if not header:
                raise TabularError("Filen saknar rubrikrad med kolumnnamn.")
            table.columns = header
            continue
        if not any(c.strip() for c in cells):
            continue
        if len(table.rows) >= max_rows:
            raise TabularError(f"Filen har fler än {max_rows} rader. Dela upp den i flera filer.")
        extra = [c for c in cells[len(header) :] if c.strip()]
        row = {
            name: unescape_cell(cells[i].strip()) if i < len(cells) else ""
            for i, name in enumerate(header)
        }
        if extra:
            row["\x00extra"] = "|".join(extra)
        table.rows.append((number, row))
    if header is None:
        raise TabularError("Filen är tom.")
    return table


def _read_csv(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TabularError(
            "Filen är inte en CSV-fil i UTF-8. Spara den som ”CSV UTF-8” eller som Excel-fil (.xlsx)."
        ) from None
    if "\x00" in text:
        raise TabularError("Filen innehåller otillåtna tecken och kan inte läsas som CSV.")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    except csv.Error as error:
        raise TabularError(f"CSV-filen kan inte tolkas: {error}.") from None


def _read_xlsx(data: bytes, max_rows: int) -> list[tuple[int, list[str]]]:
    try:
        return read_rows(data, max_rows=max_rows)
    except XlsxError as error:
        raise TabularError(str(error)) from None


def write_table(columns: list[str], rows: Iterable[Mapping[str, object]], *, format: str) -> bytes:
    if format == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row.get(c)) for c in columns])
        return buffer.getvalue().encode("utf-8")
    if format == "xlsx":
        return _write_xlsx(columns, rows)
    raise ValueError(f"unknown format {format!r}")


def _csv_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # numbers are never formulas, negative ones included
    return escape_cell(str(value))


def _write_xlsx(columns: list[str], rows: Iterable[Mapping[str, object]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(columns)
    for row in rows:
        cells: list[object] = []
        for column in columns:
            value = row.get(column)
            if value is None:
                cells.append(None)
            elif isinstance(value, int) and not isinstance(value, bool):
                cells.append(value)
            else:
                cells.append(xlsx_text(str(value)))
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
