"""The deltagande tables of the report against a naive recount in Python.

`rapporter.tabeller` counts T2–T12 and T16–T18 from one SQL statement (grouped code
combinations, rules applied per combination). Here the same tables are recounted the slow
and obvious way — one deltagande at a time, straight from the wording of
spec/aterrapportering.md — over a generated data set with anonymous deltaganden,
samordningsnummer, several codes, gaps, open deltaganden in ended insatser and avslut in
both years, for every scope. The hand-worked tests in test_tabeller.py pin the rules on
small cases; this one shows the fast path agrees with the rules on a few thousand rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from dateutil.relativedelta import relativedelta

from deltagare.choices import FORSORJNING_RAPPORTGRUPP, Forsorjning
from deltagare.models import Deltagande
from dev.generate import generate
from forbund.models import Forbund
from insatser.models import Volymregistrering
from rapporter.tabeller import Omfattning

pytestmark = pytest.mark.django_db

AR = 2024
FIRST, LAST = dt.date(AR, 1, 1), dt.date(AR, 12, 31)
AOS = {"arbete", "subventionerat_arbete", "studier"}
KON = {"kvinna": "kvinnor", "man": "man"}


@pytest.fixture
def world(db):
    generate(forbund=4, ar_fran=2022, ar_till=2024, per_ar=400, today=dt.date(2025, 3, 1))
    # An open deltagande in an insats that has ended before 31 December (T16).
    d = Deltagande.objects.filter(slutdatum__isnull=True, startdatum__year=AR).first()
    d.insats.avslutad_datum = dt.date(AR, 12, 1)
    d.insats.save(update_fields=["avslutad_datum"])
    Deltagande.objects.filter(insats=d.insats, startdatum__gt=dt.date(AR, 12, 1)).delete()
    Deltagande.objects.filter(insats=d.insats, slutdatum__gt=dt.date(AR, 12, 1)).update(
        slutdatum=dt.date(AR, 12, 1)
    )


def scopes() -> list[Omfattning]:
    first = Forbund.objects.order_by("organisationsnummer").first()
    return [
        Omfattning("nationell"),
        Omfattning("lan", first.lan),
        Omfattning("forbund", first.organisationsnummer),
    ]


def in_scope(forbund: Forbund, omfattning: Omfattning) -> bool:
    if omfattning.typ == "forbund":
        return forbund.organisationsnummer == omfattning.kod
    if omfattning.typ == "lan":
        return forbund.lan == omfattning.kod
    return True


def active(start: dt.date, end: dt.date | None, ar: int = AR) -> bool:
    return start <= dt.date(ar, 12, 31) and (end is None or end >= dt.date(ar, 1, 1))


def age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def groups(codes: list[str]) -> set[str]:
    found = {FORSORJNING_RAPPORTGRUPP[c] for c in codes}
    if any(c != Forsorjning.INGEN_OFFENTLIG for c in codes):
        found.add("nagon_offentlig")
    return found


class Tally:
    """table → row → kön column → count; `totalt` counts every kön."""

    def __init__(self) -> None:
        self.t: dict = defaultdict(lambda: defaultdict(Counter))

    def add(self, table: str, row: str, kon: str, prefix: str = "") -> None:
        self.t[table][row][f"{prefix}{KON[kon]}"] += 1
        self.t[table][row][prefix.rstrip("_") or "totalt"] += 1


def recount(omfattning: Omfattning) -> tuple[Tally, dict]:
    tally = Tally()
    per_forbund: dict = defaultdict(Counter)
    per_insats: dict = defaultdict(Counter)
    persons = set()
    t12_persons: dict[str, set] = defaultdict(set)
    rows = Deltagande.objects.select_related("insats__forbund", "person")
    for d in rows:
        insats = d.insats
        if not in_scope(insats.forbund, omfattning):
            continue
        if insats.niva != "individ" or insats.deltagarregistrering != "individuell":
            continue
        person = d.registreringsform == "person"
        is_active = active(d.startdatum, d.slutdatum)
        ended = d.slutdatum is not None and FIRST <= d.slutdatum <= LAST
        new = FIRST <= d.startdatum <= LAST
        # T2
        if is_active:
            tally.add("T2", "person_deltaganden" if person else "anonyma_deltaganden", d.kon)
        if new:
            tally.add("T2", "nyinskrivna_person" if person else "nyinskrivna_anonyma", d.kon)
        if person and is_active:
            persons.add((d.person.pnr_hash, d.kon))
        # T16, T17, T18
        if is_active:
            tally.add("T16", "aktiva", d.kon)
            if person:
                tally.add("T16", "personuppgifter", d.kon)
            insats_end = min(filter(None, [insats.slutdatum, insats.avslutad_datum]), default=None)
            if d.slutdatum is None and insats_end is not None and insats_end <= LAST:
                tally.add("T16", "oppna_efter_insatsslut", d.kon)
            key = "person" if person else "anonyma"
            per_forbund[insats.forbund.organisationsnummer][key] += 1
            per_insats[insats.kod][d.kon] += 1
            # T18's förbund rows sum its insats rows: insatser active in the year only.
            if active(insats.startdatum, insats.avslutad_datum or insats.slutdatum):
                per_forbund[insats.forbund.organisationsnummer][d.kon] += 1
        if person and ended:
            aos = bool(AOS & set(d.sysselsattning_efter))
            per_forbund[insats.forbund.organisationsnummer]["avslutade"] += 1
            per_forbund[insats.forbund.organisationsnummer]["aos"] += aos
        if not person:
            continue
        alder = age(d.person.fodelsedatum, d.startdatum)
        if is_active:
            band = (
                next(
                    b
                    for b, top in (("under_16", 15), ("16_29", 29), ("30_44", 44), ("45_59", 59))
                    if alder <= top
                )
                if alder <= 59
                else "60_"
            )
            tally.add("T3", band, d.kon)
            tally.add("T4", d.utbildningsniva or "okand", d.kon)
            for g in groups(d.forsorjning_fore):
                tally.add("T5", g, d.kon)
            tally.add("T6", d.tid_offentlig_forsorjning or "okand", d.kon)
            tally.add("T7", "registrerade", d.kon)
        for ar, column in ((AR, None), (AR - 1, "foregaende_ar")):
            if not active(d.startdatum, d.slutdatum, ar):
                continue
            hits = []
            if 16 <= alder <= 29:
                hits.append("unga_16_29")
            if alder <= 29 and Forsorjning.AKTIVITETSERSATTNING in d.forsorjning_fore:
                hits.append("unga_aktivitetsersattning")
            if {Forsorjning.SJUKPENNING, Forsorjning.REHABILITERINGSPENNING} & set(
                d.forsorjning_fore
            ):
                hits.append("sjukskrivna")
            for hit in hits:
                if column:
                    tally.t["T12"][hit][column] += 1
                else:
                    tally.add("T12", hit, d.kon)
                    t12_persons[hit].add(d.person.pnr_hash)
        if not ended:
            continue
        efter = set(d.sysselsattning_efter)
        for table in ("T7", "T8", "T9"):
            tally.add(table, "avslutade", d.kon)
        tally.add("T7", d.avslutsorsak or "okand", d.kon)
        if AOS & efter:
            tally.add("T8", "arbete_eller_studier", d.kon)
            tally.add("T9", "efter", d.kon)
        if AOS & set(d.sysselsattning_fore):
            tally.add("T9", "fore", d.kon)
        for code in efter or {"okand"}:
            tally.add("T8", code, d.kon)
        tally.add("T10", "avslutade", d.kon, "fore_")
        tally.add("T10", "avslutade", d.kon, "efter_")
        for g in groups(d.forsorjning_fore):
            tally.add("T10", g, d.kon, "fore_")
        for g in groups(d.forsorjning_efter):
            tally.add("T10", g, d.kon, "efter_")
        if d.slutdatum <= d.startdatum + relativedelta(months=6):
            tally.add("T11", "upp_till_6", d.kon)
        elif d.slutdatum <= d.startdatum + relativedelta(months=12):
            tally.add("T11", "upp_till_12", d.kon)
        else:
            tally.add("T11", "over_12", d.kon)
        tally.add("T16", "avslutade", d.kon)
        if efter <= {"okand"}:
            tally.add("T16", "avslutade_utan_sysselsattning", d.kon)
        if not d.forsorjning_efter:
            tally.add("T16", "avslutade_utan_forsorjning", d.kon)
    individer = Counter(KON[kon] for _, kon in persons)
    tally.t["T2"]["person_individer"] = Counter(
        {**individer, "totalt": len({h for h, _ in persons})}
    )
    for hit, hashes in t12_persons.items():
        tally.t["T12"][hit]["individer"] = len(hashes)
    return tally, {"forbund": per_forbund, "insats": per_insats}


def volym(omfattning: Omfattning) -> Counter:
    total: Counter = Counter()
    for v in Volymregistrering.objects.select_related("insats__forbund").filter(datum__year=AR):
        if in_scope(v.insats.forbund, omfattning):
            total.update(kvinnor=v.kvinnor, man=v.man, totalt=v.kvinnor + v.man + v.okant)
    return total


@pytest.mark.parametrize("index", [0, 1, 2], ids=["nationell", "lan", "forbund"])
def test_the_deltagande_tables_agree_with_a_naive_recount(world, index, rapportvag):
    omfattning = scopes()[index]
    rapport = rapportvag.build(ar=AR, omfattning=omfattning, undertryck=False)
    tally, per = recount(omfattning)
    expected = tally.t
    checked = 0
    for kod in ("T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "T12"):
        table = rapport.tabeller[kod]
        for row in table.rader:
            if kod == "T2" and row["kod"] in (
                "volym",
                "individinriktade_totalt",
                "strukturdeltagare",
            ):
                continue
            want = expected[kod].get(row["kod"], Counter())
            for column in table.kolumner:
                assert row[column] == want[column], (kod, row["kod"], column)
                checked += 1
    # The variety the recount is meant to exercise is really there.
    assert expected["T2"]["anonyma_deltaganden"]["totalt"] > 0
    assert (
        expected["T2"]["person_individer"]["totalt"]
        < expected["T2"]["person_deltaganden"]["totalt"]
    )
    assert sum(expected["T7"][c]["totalt"] for c in ("avslutade",)) > 0
    assert (
        sum(expected["T5"][g]["totalt"] for g in expected["T5"])
        > expected["T7"]["registrerade"]["totalt"]
    )

    t2 = {row["kod"]: row for row in rapport.tabeller["T2"].rader}
    v = volym(omfattning)
    assert {k: t2["volym"][k] for k in ("kvinnor", "man", "totalt")} == {
        k: v[k] for k in ("kvinnor", "man", "totalt")
    }
    for k in ("kvinnor", "man", "totalt"):
        assert t2["individinriktade_totalt"][k] == (
            expected["T2"]["person_deltaganden"][k]
            + expected["T2"]["anonyma_deltaganden"][k]
            + v[k]
        )

    t16 = {row["kod"]: row["antal"] for row in rapport.tabeller["T16"].rader}
    for kod in (
        "personuppgifter",
        "oppna_efter_insatsslut",
        "avslutade_utan_sysselsattning",
        "avslutade_utan_forsorjning",
    ):
        assert t16[kod] == expected["T16"][kod]["totalt"], kod
    if omfattning.typ == "nationell":
        assert t16["oppna_efter_insatsslut"] > 0

    if omfattning.typ != "forbund":
        for row in rapport.tabeller["T17"].rader:
            f = per["forbund"][row["kod"]]
            assert (
                row["person_deltaganden"],
                row["anonyma_deltaganden"],
                row["avslutade"],
                row["arbete_eller_studier"],
            ) == (f["person"], f["anonyma"], f["avslutade"], f["aos"]), row["kod"]
    t18_key = "insats" if omfattning.typ == "forbund" else "forbund"
    volym_by = defaultdict(Counter)
    for vr in Volymregistrering.objects.select_related("insats__forbund").filter(datum__year=AR):
        if in_scope(vr.insats.forbund, omfattning):
            key = vr.insats.kod if t18_key == "insats" else vr.insats.forbund.organisationsnummer
            volym_by[key].update(kvinna=vr.kvinnor, man=vr.man)
    for row in rapport.tabeller["T18"].rader:
        if row["kod"] in ("tilldelade_medel", "administration", "eget_kapital"):
            continue
        people = per[t18_key][row["kod"]]
        assert row["deltagare_kvinnor"] == people["kvinna"] + volym_by[row["kod"]]["kvinna"], row[
            "kod"
        ]
        assert row["deltagare_man"] == people["man"] + volym_by[row["kod"]]["man"], row["kod"]
    assert checked > 150
