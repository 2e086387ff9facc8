"""Writes the two hostile workbooks of issue 11 next to this script (run once; the files
are committed): a sheet with cells only at A1 and at the last cell Excel allows
(XFD1048576), and one with A1 and ZZ50000. Both are a few kB; a reader that allocates
the sheet's whole rectangle needs 512 GiB for the first and over a gigabyte for the second.

    .venv/bin/python tests/files/make_xlsx_bombs.py
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets>
</workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""


def sheet_xml(last_cell: str, *, dimension: str | None) -> str:
    row = "".join(ch for ch in last_cell if ch.isdigit())
    ref = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{ref}<sheetData>"
        '<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
        f'<row r="{row}"><c r="{last_cell}"><v>1</v></c></row>'
        "</sheetData></worksheet>"
    )


def workbook(last_cell: str, *, dimension: str | None = None) -> bytes:
    """A one-sheet .xlsx with a cell at A1 and one at `last_cell`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet_xml(last_cell, dimension=dimension))
    return buffer.getvalue()


def main() -> None:
    (HERE / "bomb_a1_xfd1048576.xlsx").write_bytes(
        workbook("XFD1048576", dimension="A1:XFD1048576")
    )
    (HERE / "bomb_a1_zz50000.xlsx").write_bytes(workbook("ZZ50000", dimension="A1:ZZ50000"))


if __name__ == "__main__":
    main()
