"""The report's forms: JSON and XLSX from the same `Rapport` (rapporter.tabeller)."""

from __future__ import annotations

import io
import json

from finsam.lib.tabular import xlsx_text

from .tabeller import Omfattning, Rapport, build

UNDERTRYCKT = ".."
KATALOGBLAD = "Insatskatalog"

KOLUMNRUBRIKER = {
    "kvinnor": "Kvinnor",
    "man": "Män",
    "totalt": "Totalt",
    "forbund": "Förbund",
    "kommuner": "Kommuner",
    "antal": "Antal",
    "nya": "Nya",
    "fore_kvinnor": "Före, kvinnor",
    "fore_man": "Före, män",
    "fore": "Före, totalt",
    "efter_kvinnor": "Efter, kvinnor",
    "efter_man": "Efter, män",
    "efter": "Efter, totalt",
    "foregaende_ar": "Föregående år",
    "budget": "Budget (kr)",
    "utfall": "Utfall (kr)",
    "insatser": "Insatser",
    "myndighetspersonal": "Myndighetspersonal",
    "arbetsgivare": "Arbetsgivare",
    "ovriga": "Övriga",
    "uppfoljda": "Uppföljda",
    "arbete_eller_studier": "Arbete eller studier",
    "ingen_offentlig": "Ingen offentlig försörjning",
    "andel_promille": "Andel (promille)",
    "person_deltaganden": "Deltaganden med personuppgifter",
    "anonyma_deltaganden": "Anonyma deltaganden",
    "volym": "Volym",
    "avslutade": "Avslutade",
    "personuppgifter_promille": "Med personuppgifter (promille)",
    "niva": "Nivå",
    "typ": "Typ",
    "planerat_antal": "Planerat antal",
    "deltagare_kvinnor": "Deltagare, kvinnor",
    "deltagare_man": "Deltagare, män",
    "deltagare_okant": "Deltagare, kön ej angivet",
    "strukturdeltagare": "Strukturdeltagare",
    "startdatum": "Start",
    "slutdatum": "Slut",
    "deltagare": "Deltagare",
}


def to_json(rapport: Rapport) -> bytes:
    return json.dumps(rapport.as_json(), ensure_ascii=False, indent=2).encode("utf-8")


def _cell(value: object) -> object:
    """A report value as a cell: counts stay numbers, text (names of insatser and förbund
    included) never runs as a formula."""
    if value is None:
        return UNDERTRYCKT
    return xlsx_text(value) if isinstance(value, str) else value


def to_xlsx(rapport: Rapport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    sheets = dict(rapport.tabeller)
    if rapport.insatskatalog:  # a förbund's report: its insatser, as in the PDF and JSON
        sheets[KATALOGBLAD] = rapport.insatskatalog
    for kod, tabell in sheets.items():
        sheet = workbook.create_sheet(kod)
        rubrik = tabell.rubrik if kod == KATALOGBLAD else f"{kod} {tabell.rubrik}"
        sheet.append([_cell(rubrik)])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([_cell(tabell.regel)])
        sheet.append([])
        sheet.append(["Rad", *(_cell(KOLUMNRUBRIKER.get(c, c)) for c in tabell.kolumner)])
        for cell in sheet[4]:
            cell.font = Font(bold=True)
        for row in tabell.rader:
            sheet.append([_cell(row["etikett"]), *(_cell(row[c]) for c in tabell.kolumner)])
        sheet.column_dimensions["A"].width = 48
        for cell in sheet[4][1:]:
            sheet.column_dimensions[cell.column_letter].width = 16
        for row_cells in sheet.iter_rows(min_row=5):
            for cell in row_cells[1:]:
                if isinstance(cell.value, int):
                    cell.number_format = "# ##0"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def render(*, ar: int, omfattning: Omfattning, undertryck: bool, format: str) -> bytes:
    """One report in one format; the PDF also reads the year before for its summary."""
    rapport = build(ar=ar, omfattning=omfattning, undertryck=undertryck)
    if format == "json":
        return to_json(rapport)
    if format == "xlsx":
        return to_xlsx(rapport)
    if format == "pdf":
        from .pdf import render_pdf

        foregaende = build(ar=ar - 1, omfattning=omfattning, undertryck=undertryck)
        return render_pdf(rapport, foregaende=foregaende)
    raise ValueError(f"unknown format {format!r}")
