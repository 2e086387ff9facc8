"""Reading the first sheet of an uploaded .xlsx without letting the file take the server down.

A workbook of a few kB can describe a sheet of 16 384 columns and 1 048 576 rows (cells
only at A1 and XFD1048576): calamine allocates the sheet's whole rectangle and the
process aborts (SIGABRT, no Python exception), which kills the web or Celery worker that
read it. So every read happens in a child process, and in that child:

1. the zip's members may unpack to at most MAX_UNCOMPRESSED bytes in all;
2. the first sheet's XML is scanned for the cell references it really uses (the declared
   `<dimension>` is not trusted: calamine ignores it, and a file can lie in either
   direction), and a sheet reaching beyond MAX_COLUMNS or MAX_SHEET_ROWS is refused;
3. only then calamine reads it, under an address-space limit (RLIMIT_AS) of MEMORY_LIMIT,
   and a read taking longer than TIMEOUT seconds is stopped.

The parent only ever sees rows of strings or a Swedish message (XlsxError). An abort in
the child, whatever its cause, is an error message in the parent, never a dead worker.

This module runs as the child script (`python -I xlsx.py`), so it imports only the
standard library and python-calamine, and nothing of Django or the project.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO

# The widest import format has 15 columns; four times that, rounded up to column BL.
MAX_COLUMNS = 64
# Data rows are capped lower (tabular.MAX_ROWS); this leaves room for blank rows in the sheet.
MAX_SHEET_ROWS = 200_000
# A legitimate 60 000-row sheet unpacks to some tens of MB.
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBERS = 1000
# Measured: 200 000 rows × 64 columns need about 420 MB (RSS) in the child.
MEMORY_LIMIT = 1536 * 1024 * 1024
TIMEOUT = 120

MB = 1024 * 1024
UNREADABLE = "Excel-filen kan inte läsas. Kontrollera att det är en .xlsx-fil som inte är skadad."
_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CELL_REF = re.compile(rb'<(?:\w+:)?c\b[^>]*?\sr="([A-Z]{1,4})([0-9]{1,9})"')
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\sr="([0-9]{1,9})"')
_CHUNK = 1024 * 1024
logger = logging.getLogger(__name__)


class XlsxError(ValueError):
    """The workbook is refused or unreadable; the message is Swedish and safe to show."""


def _number(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0")


def column_name(index: int) -> str:
    """1 → A, 64 → BL, 16384 → XFD."""
    name = ""
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def column_index(name: bytes | str) -> int:
    index = 0
    for letter in name.decode() if isinstance(name, bytes) else name:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index


def too_large_sheet(columns: int, rows: int) -> str:
    return (
        f"Excel-filen är för stor: bladet når kolumn {column_name(columns)} och rad "
        f"{_number(rows)}. En importfil får ha högst {MAX_COLUMNS} kolumner (till kolumn "
        f"{column_name(MAX_COLUMNS)}) och {_number(MAX_SHEET_ROWS)} rader. Ta bort innehåll "
        "utanför tabellen, eller spara bladet som CSV."
    )


def too_much_memory(limit: int) -> str:
    return (
        f"Excel-filen kräver mer än {limit // MB} MB minne för att läsas och har inte lästs. "
        "Kontrollera att bladet bara innehåller tabellen, eller spara det som CSV."
    )


TOO_SLOW = (
    f"Excel-filen tog mer än {TIMEOUT} sekunder att läsa och har inte lästs. Dela upp den "
    "i flera filer, eller spara den som CSV."
)


# The parent (web or Celery worker).


def read_rows(
    data: bytes, *, max_rows: int, memory_limit: int = MEMORY_LIMIT
) -> list[tuple[int, list[str]]]:
    """The first sheet's non-blank rows as (row number, cells), read in a child process.

    At most `max_rows` + 1 rows besides the first are returned, so that the caller can say
    the file has too many. Raises XlsxError with a Swedish message for any refused,
    broken or too costly file.
    """
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise XlsxError(UNREADABLE)
    try:
        child = subprocess.run(  # noqa: S603 (our own script, no shell, no user input in argv)
            [sys.executable, "-I", str(Path(__file__).resolve()), str(max_rows), str(memory_limit)],
            input=data,
            capture_output=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise XlsxError(TOO_SLOW) from None
    if child.returncode < 0:
        # Killed by a signal: calamine aborts (SIGABRT) when an allocation hits the limit.
        logger.warning("xlsx reader stopped by signal %s", -child.returncode)
        raise XlsxError(too_much_memory(memory_limit))
    if child.returncode != 0:
        logger.error("xlsx reader failed with exit status %s", child.returncode)
        raise XlsxError(UNREADABLE)
    answer = json.loads(child.stdout)
    if "error" in answer:
        raise XlsxError(answer["error"])
    return [(number, cells) for number, cells in answer["rows"]]


# The child.


def _first_sheet(archive: zipfile.ZipFile) -> str:
    """The member holding the workbook's first sheet, as calamine picks it."""
    # ElementTree fetches no external entities, expat (2.4+) refuses entity amplification,
    # and this runs in the memory-limited child: the S314 risks do not apply.
    import xml.etree.ElementTree as ET

    workbook = ET.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314
    sheet = workbook.find(f"{{{_MAIN_NS}}}sheets/{{{_MAIN_NS}}}sheet")
    if sheet is None:
        raise XlsxError(UNREADABLE)
    rid = sheet.get(f"{{{_REL_NS}}}id")
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    for rel in rels.iter(f"{{{_PKG_REL_NS}}}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return str(PurePosixPath("xl") / target)
    raise XlsxError(UNREADABLE)


def sheet_extent(xml: IO[bytes]) -> tuple[int, int]:
    """(columns, rows) the sheet's XML reaches: the largest cell reference or row number,
    and the count of rows for rows written without a number."""
    max_column = max_row = rows = 0
    carry = b""
    while True:
        chunk = xml.read(_CHUNK)
        buffer = carry + chunk
        # Cut before the last tag start so that no tag is split between two reads.
        cut = len(buffer) if not chunk else buffer.rfind(b"<")
        cut = len(buffer) if cut < 0 else cut
        part, carry = buffer[:cut], buffer[cut:]
        for match in _CELL_REF.finditer(part):
            max_column = max(max_column, column_index(match[1]))
            max_row = max(max_row, int(match[2]))
        for match in _ROW.finditer(part):
            rows += 1
            if number := _ROW_NUMBER.search(match[1]):
                max_row = max(max_row, int(number[1]))
        if not chunk:
            return max_column, max(max_row, rows)


def check_workbook(data: bytes) -> str:
    """Refuses a zip that unpacks too far or a sheet that reaches too far; returns the sheet."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise XlsxError(UNREADABLE)
        unpacked = sum(member.file_size for member in members)
        if unpacked > MAX_UNCOMPRESSED:
            raise XlsxError(
                f"Excel-filen är för stor uppackad ({_number(unpacked // MB)} MB; högst "
                f"{MAX_UNCOMPRESSED // MB} MB). Dela upp den i flera filer."
            )
        name = _first_sheet(archive)
        with archive.open(name) as xml:
            columns, rows = sheet_extent(xml)
    except (zipfile.BadZipFile, KeyError, OSError, EOFError, SyntaxError, ValueError) as error:
        if isinstance(error, XlsxError):
            raise
        raise XlsxError(UNREADABLE) from None
    if columns > MAX_COLUMNS or rows > MAX_SHEET_ROWS:
        raise XlsxError(too_large_sheet(columns, rows))
    return name


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def parse(data: bytes, *, max_rows: int) -> list[tuple[int, list[str]]]:
    check_workbook(data)
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except Exception:  # calamine raises several error types for broken files
        raise XlsxError(UNREADABLE) from None
    # Cells written without a reference are placed by calamine; check what it built.
    if sheet.width > MAX_COLUMNS or sheet.height > MAX_SHEET_ROWS:
        raise XlsxError(too_large_sheet(sheet.width, sheet.height))
    found: list[tuple[int, list[str]]] = []
    for number, row in enumerate(rows, start=1):
        cells = [_cell(value) for value in row]
        while cells and not cells[-1].strip():
            cells.pop()
        if cells:
            found.append((number, cells))
            if len(found) > max_rows + 1:
                break
    return found


def _child(max_rows: int, memory_limit: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    data = sys.stdin.buffer.read()
    try:
        answer: dict[str, object] = {"rows": parse(data, max_rows=max_rows)}
    except XlsxError as error:
        answer = {"error": str(error)}
    except MemoryError:
        answer = {"error": too_much_memory(memory_limit)}
    sys.stdout.buffer.write(json.dumps(answer).encode("ascii"))


if __name__ == "__main__":
    _child(int(sys.argv[1]), int(sys.argv[2]))
