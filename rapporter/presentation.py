"""How a table of the report is laid out for a reader, shared by the XLSX and the PDF.

The JSON keeps codes and promille; a reader sees headers, labels instead of codes, an
identifying column where rows are things, and a "%" column after each count that has a
share. Both document forms take their columns from `layout` and their cells from the
same row values, so they cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .rapport import Tabell

UNDERTRYCKT = ".."
UNDERTRYCKT_FORKLARING = (
    "..  = värdet visas inte: färre än 5 personer, eller ett värde som annars kan räknas fram."
)
KATALOGBLAD = "Insatskatalog"

KOLUMNRUBRIKER = {
    "kvinnor": "Kvinnor",
    "man": "Män",
    "totalt": "Totalt",
    "individer": "Individer",
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
    "uppfoljningsmetod": "Uppföljningsmetod",
    "malgrupp": "Målgrupp",
    "esf": "ESF",
    "varav_esf_budget": "Varav ESF, budget (kr)",
    "varav_esf_utfall": "Varav ESF, utfall (kr)",
    "planerat_antal": "Planerat antal",
    "deltagare_kvinnor": "Deltagare, kvinnor",
    "deltagare_man": "Deltagare, män",
    "deltagare_okant": "Deltagare, kön ej angivet",
    "strukturdeltagare": "Strukturdeltagare",
    "forsakringskassan": "Försäkringskassan (kr)",
    "region": "Region (kr)",
    "kommun": "Kommuner (kr)",
    "startdatum": "Start",
    "slutdatum": "Slut",
    "deltagare": "Deltagare",
}
# The header of the label column, where "Rad" would say nothing.
RADRUBRIK = {"T17": "Förbund", "T18": "Namn", KATALOGBLAD: "Insats", "insatskatalog": "Insats"}
DATUMKOLUMNER = {"startdatum", "slutdatum"}


@dataclass(frozen=True)
class Bestallning:
    """Who ordered the report and what they entered: shown on the PDF's title page and in
    the XLSX's first sheet."""

    bestallare: str = ""
    diarienummer: str = ""
    kommentar: str = ""


@dataclass(frozen=True)
class Kolumn:
    rubrik: str
    kind: str  # "kod", "etikett", "value", "share"
    key: str  # the row key (for "share": the count column it belongs to)


def layout(kod: str, t: Tabell) -> list[Kolumn]:
    """The columns a reader sees, in order."""
    columns = []
    if t.kodrubrik:
        columns.append(Kolumn(t.kodrubrik, "kod", "kod"))
    columns.append(Kolumn(RADRUBRIK.get(kod, "Rad"), "etikett", "etikett"))
    shares = set(t.andelskolumner)
    for c in t.kolumner:
        columns.append(Kolumn(KOLUMNRUBRIKER.get(c, c), "value", c))
        if c in shares:
            columns.append(Kolumn("%", "share", c))
    return columns


def value(t: Tabell, row: dict[str, Any], column: Kolumn) -> Any:
    """A cell's value: the number, text or date itself; `UNDERTRYCKT` for a suppressed
    count; for a share the promille (None where the row has no share in the column, e.g.
    a base row), or `UNDERTRYCKT` where it is withheld."""
    if column.kind == "share":
        shares = row.get("andel")
        if shares is None or column.key not in shares:
            return None
        share = shares[column.key]
        if share is None:
            return UNDERTRYCKT if (row["kod"], column.key) in t.andel_undertryckta else "–"
        return share
    if column.kind == "kod" and row["kod"] in t.summarader:
        return ""
    key = t.etiketter.get(column.key, column.key) if column.kind == "value" else column.key
    cell = row[key]
    if cell is None:
        return UNDERTRYCKT
    if isinstance(cell, bool):
        return "Ja" if cell else "Nej"
    if column.key in DATUMKOLUMNER and cell:
        return dt.date.fromisoformat(cell)
    return cell


def procent(promille: int) -> int:
    """Whole percent, rounded half up, as Försäkringskassan prints them."""
    return int((Decimal(promille) / 10).quantize(Decimal(1), rounding=ROUND_HALF_UP))
