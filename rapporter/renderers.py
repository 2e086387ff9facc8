"""The report's forms: JSON, XLSX and PDF from the same `Rapport` (rapporter.tabeller)."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import TYPE_CHECKING

from django.utils import timezone

from finsam.lib.tabular import xlsx_text

from .presentation import (
    KATALOGBLAD,
    UNDERTRYCKT,
    UNDERTRYCKT_FORKLARING,
    Bestallning,
    layout,
    value,
)
from .rapport import Rapport

if TYPE_CHECKING:
    from .status import Uppgiftsstatus

NUMBER_FORMAT = "#,##0"  # Swedish thousands separators in Excel and LibreOffice
PERCENT_FORMAT = "0%"
DATE_FORMAT = "yyyy-mm-dd"


def to_json(rapport: Rapport, status: Uppgiftsstatus | None = None) -> bytes:
    """The JSON form; with `status`, the key `uppgifter` says whether the figures are
    approved (rapporter.godkannande)."""
    data = rapport.as_json()
    if status is not None:
        data["uppgifter"] = status.as_json()
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _sheets(rapport: Rapport) -> dict:
    sheets = dict(rapport.tabeller)
    if rapport.insatskatalog:  # a förbund's report: its insatser, as in the PDF and JSON
        sheets[KATALOGBLAD] = rapport.insatskatalog
    return sheets


def _text(value: object) -> object:
    return xlsx_text(value) if isinstance(value, str) else value


def to_xlsx(
    rapport: Rapport, bestallning: Bestallning | None = None, status: Uppgiftsstatus | None = None
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    bestallning = bestallning or Bestallning()
    workbook = Workbook()
    about = workbook.active
    about.title = "Om rapporten"
    omfattning = rapport.omfattning
    skapad = timezone.localtime(rapport.skapad).replace(tzinfo=None)
    facts = [
        ("Rapport", "Återrapportering (finansiell samordning)"),
        ("Version", 2),
        ("År", rapport.ar),
        ("Omfattning", omfattning.label()),
        ("Kod", omfattning.kod or "–"),
        ("Små tal undertryckta", "Ja" if rapport.undertryckt else "Nej"),
        *_status_facts(status),
        ("Uppgifter t.o.m.", skapad),
        ("Beställd av", bestallning.bestallare or "–"),
        ("Diarienummer", bestallning.diarienummer or "–"),
        ("Skapad", skapad),
        ("Förklaring", UNDERTRYCKT_FORKLARING),
    ]
    about.append(["Återrapportering " + str(rapport.ar)])
    about["A1"].font = Font(bold=True, size=13)
    about.append([])
    for label, fact in facts:
        about.append([label, _text(fact)])
        cell = about.cell(about.max_row, 2)
        if isinstance(fact, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm"
        cell.alignment = Alignment(horizontal="left")
    about.column_dimensions["A"].width = 24
    about.column_dimensions["B"].width = 70
    for kod, tabell in _sheets(rapport).items():
        sheet = workbook.create_sheet(kod)
        sheet.append([_text(tabell.rubrik if kod == KATALOGBLAD else f"{kod} {tabell.rubrik}")])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([_text(tabell.regel)])
        sheet.append([])
        columns = layout(kod, tabell)
        sheet.append([_text(c.rubrik) for c in columns])
        for cell in sheet[4]:
            cell.font = Font(bold=True)
        for row in tabell.rader:
            cells = []
            for column in columns:
                cell = value(tabell, row, column)
                if column.kind == "share" and isinstance(cell, int):
                    cell = cell / 1000
                cells.append(_text(cell))
            sheet.append(cells)
            for column, cell in zip(columns, sheet[sheet.max_row], strict=True):
                if column.kind == "share" and isinstance(cell.value, float):
                    cell.number_format = PERCENT_FORMAT
                elif isinstance(cell.value, int) and not isinstance(cell.value, bool):
                    cell.number_format = NUMBER_FORMAT
                elif isinstance(cell.value, dt.date):
                    cell.number_format = DATE_FORMAT
        sheet.freeze_panes = "A5"
        sheet.auto_filter.ref = f"A4:{sheet.cell(4, len(columns)).column_letter}{sheet.max_row}"
        for i, column in enumerate(columns, start=1):
            letter = sheet.cell(4, i).column_letter
            width = 48 if column.kind == "etikett" else 8 if column.kind == "share" else 16
            sheet.column_dimensions[letter].width = width
        if tabell.undertryckta or tabell.andel_undertryckta:
            sheet.append([])
            sheet.append([UNDERTRYCKT_FORKLARING])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _status_facts(status: Uppgiftsstatus | None) -> list[tuple[str, str]]:
    if status is None:
        return []
    facts = [("Uppgifter", status.rubrik)]
    if status.aktiva is not None:
        facts.append(("Godkända förbund", status.forbund_text))
        if status.ej_godkanda:
            names = ", ".join(f"{namn} ({kod})" for kod, namn in status.ej_godkanda)
            facts.append(("Ej godkänt", names))
    return facts


__all__ = ["UNDERTRYCKT", "Bestallning", "to_json", "to_xlsx"]
