"""T18 can be copied into Uppföljning Finsam field by field (issue 12): the fields that the
national system asks a förbundsadministratör for, written out here in its own words
(research/systems.md §3: tilldelade medel and eget kapital; budget/utfall for
administrativa kostnader; per insats budget/utfall, budgeterat antal deltagare,
insatsinriktning, uppföljningsmetod, ESF-finansiering and målgrupp; antal deltagare in
strukturövergripande insatser and in individinriktade insatser by kön), each with the key
the JSON keeps (spec/aterrapportering.md, "T18 — field by field") and the header the XLSX
and the PDF print. The JSON, the XLSX and the PDF of one report hold every field, in
this order, with the same values for an insats."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command

from .test_tabeller import data  # noqa: F401 (the hand-worked data set, used as a fixture)

pytestmark = pytest.mark.django_db

# (Uppföljning Finsam's field, the JSON column, the header in the XLSX and the PDF)
FALT = [
    ("Insatsinriktning", "niva", "Nivå"),
    ("Typ av insats", "typ", "Typ"),
    ("Uppföljningsmetod", "uppfoljningsmetod", "Uppföljningsmetod"),
    ("Målgrupp", "malgrupp", "Målgrupp"),
    ("ESF-finansiering", "esf", "ESF"),
    ("Budget", "budget", "Budget (kr)"),
    ("Utfall", "utfall", "Utfall (kr)"),
    ("Varav ESF-medel, budget", "varav_esf_budget", "Varav ESF, budget (kr)"),
    ("Varav ESF-medel, utfall", "varav_esf_utfall", "Varav ESF, utfall (kr)"),
    ("Budgeterat antal deltagare", "planerat_antal", "Planerat antal"),
    ("Antal deltagare, kvinnor", "deltagare_kvinnor", "Deltagare, kvinnor"),
    ("Antal deltagare, män", "deltagare_man", "Deltagare, män"),
    ("Antal deltagare, kön ej angivet", "deltagare_okant", "Deltagare, kön ej angivet"),
    ("Antal deltagare, strukturövergripande", "strukturdeltagare", "Strukturdeltagare"),
    ("Tilldelade medel, Försäkringskassan", "forsakringskassan", "Försäkringskassan (kr)"),
    ("Tilldelade medel, region", "region", "Region (kr)"),
    ("Tilldelade medel, kommuner", "kommun", "Kommuner (kr)"),
]
# The rows that are not insatser: Uppföljning Finsam's förbund-level fields.
FORBUNDSRADER = [
    ("Tilldelade medel", "tilldelade_medel"),
    ("Administrativa kostnader", "administration"),
    ("Eget kapital", "eget_kapital"),
]
ETIKETTER = {"niva": "niva_etikett", "typ": "typ_etikett", "uppfoljningsmetod": "uppfoljningsmetod_etikett"}  # fmt: skip


def _words(text: str) -> str:
    """PDF text with the table's wrapped and hyphenated headers joined again."""
    text = " ".join(text.replace("\u202f", " ").split())
    return re.sub(r"[-\u2010]\s", "", text)


def _shown(value) -> object:
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    return value if value != "" else None


@pytest.mark.parametrize("scope", ["forbund", "nationell"])
def test_t18_has_uppfoljning_finsams_fields_in_order(data, tmp_path, scope):  # noqa: F811
    from openpyxl import load_workbook
    from pypdf import PdfReader

    args = ["aterrapportering", "--ar", "2015"]
    if scope == "forbund":
        args += ["--forbund", data.organisationsnummer]
    paths = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "xlsx", "pdf")}
    for fmt, path in paths.items():
        call_command(*args, "--format", fmt, "--out", str(path))

    t18 = json.loads(paths["json"].read_text())["tabeller"]["T18"]
    assert t18["kolumner"] == [key for _, key, _ in FALT]
    assert [r["kod"] for r in t18["rader"]][-3:] == [key for _, key in FORBUNDSRADER]

    sheet = list(load_workbook(paths["xlsx"])["T18"].iter_rows(min_row=4, values_only=True))
    identity = ["Organisationsnummer" if scope == "nationell" else "Insatskod", "Namn"]
    assert list(sheet[0]) == identity + [header for _, _, header in FALT]
    # Every row holds the JSON's values field by field, labels in place of codes.
    for row, cells in zip(t18["rader"], sheet[1:], strict=False):
        want = [row[ETIKETTER.get(key, key)] for _, key, _ in FALT]
        assert list(cells[2:]) == [_shown(v) for v in want], row["kod"]
    assert len(sheet) - 1 >= len(t18["rader"])

    pages = [_words(p.extract_text()) for p in PdfReader(paths["pdf"]).pages]
    page = next(p for p in pages if "T18 Uppföljning Finsam Fält för fält" in p)
    position = page.index("T18 Uppföljning Finsam Fält för fält")
    for header in identity + [header for _, _, header in FALT]:
        found = page.find(header, position)
        assert found > position, header  # each header, after the one before it
        position = found + len(header)
    if scope == "forbund":
        a1 = next(r for r in t18["rader"] if r["kod"] == "A1")
        assert (a1["niva_etikett"], a1["uppfoljningsmetod_etikett"]) == (
            "Individinriktad insats",
            "Individuell",
        )
        assert a1["esf"] is True and "Ja" in page[position:]
