"""The counting rules of spec/aterrapportering.md against a small data set worked out by hand.

The data (year 2015, förbund A with kommuner 0380 and 0381):

insatser   A1 individ/rehabilitering/individuell 2014-01-01–      behovsgrupp långtidssjukskrivna
           A2 individ/förberedande/volym         2015-03-01–
           S1 struktur/dialog                    2015-01-01–2015-12-31
           A3 individ/kartläggning/individuell   2012-01-01–2014-12-31 (not active in 2015)
persons    P1 man 1990-01-01, P2 kvinna 1990-01-01, P3 man 1912-12-12,
           P5 man samordningsnummer 701063-2391 (born 1970-10-03)
deltaganden
  D1 P1 A1 2014-06-01–2015-03-31 gymnasial, före aktivitetsersättning, upp_till_3, arbetssökande;
     fullföljd, efter arbete+studier, ingen offentlig             (age 24, 10 months)
  D2 P1 A1 2015-05-01–  före a-kassa; no utbildning, no sysselsättning      (age 25)
  D3 P2 A1 2015-02-01–2015-07-15 före sjukpenning+försörjningsstöd, studier;
     no avslutsorsak, no outcome                                   (age 25, 5.5 months)
  D4 P3 A1 2015-01-10–2016-02-01 eftergymnasial, före ingen offentlig      (age 102)
  D5 P5 A3 2013-01-01– (open after its insats ended)                       (age 42)
  N1 anonym kvinna A1 2015-06-01–;  N2 anonym man A1 2013-01-01–2014-12-31
volym      A2 2015-06-30: 10 kvinnor, 7 män, 2 okänt; 2016-01-31: 5, 5, 0
struktur   S1 2015-09-30: 12 myndighetspersonal, 3 arbetsgivare, 0 övriga
follow-ups D1 90 days 2015-07-01 arbete / ingen offentlig; D3 90 days 2015-10-20 ingen / försörjningsstöd
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from deltagare import pnr
from deltagare.models import Deltagande, Person, Uppfoljning
from forbund.choices import Medlemstyp
from forbund.models import Folkmangd
from insatser.models import Ekonomirad, Insats, Strukturdeltagare, Volymregistrering
from rapporter.tabeller import Omfattning, Tabell, promille, suppress
from tests.factories import InsatsFactory, MedlemsbidragFactory

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def data(forbund_a):
    a1 = InsatsFactory(
        forbund=forbund_a, kod="A1", startdatum=D(2014, 1, 1), behovsgrupper=["langtidssjukskrivna"]
    )
    a2 = InsatsFactory(
        forbund=forbund_a,
        kod="A2",
        typ="forberedande",
        deltagarregistrering="volym",
        startdatum=D(2015, 3, 1),
    )
    s1 = InsatsFactory(
        forbund=forbund_a,
        kod="S1",
        niva="struktur",
        typ="dialog",
        startdatum=D(2015, 1, 1),
        slutdatum=D(2015, 12, 31),
    )
    a3 = InsatsFactory(
        forbund=forbund_a,
        kod="A3",
        typ="kartlaggning",
        startdatum=D(2012, 1, 1),
        slutdatum=D(2014, 12, 31),
    )

    def person(nummer):
        p = Person(forbund=forbund_a)
        p.set_personnummer(pnr.parse(nummer))
        p.save()
        return p

    p1, p2, p3, p5 = (
        person(n) for n in ("19900101-0017", "19900101-0025", "19121212-1212", "701063-2391")
    )

    def deltagande(insats, p, start, end=None, **values):
        form = "person" if p else "anonym"
        kon = values.pop("kon", p.kon if p else None)
        return Deltagande.objects.create(
            insats=insats,
            registreringsform=form,
            person=p,
            kon=kon,
            startdatum=start,
            slutdatum=end,
            **values,
        )

    d1 = deltagande(
        a1,
        p1,
        D(2014, 6, 1),
        D(2015, 3, 31),
        utbildningsniva="gymnasial",
        forsorjning_fore=["aktivitetsersattning"],
        tid_offentlig_forsorjning="upp_till_3",
        sysselsattning_fore=["arbetssokande"],
        avslutsorsak="fullfoljd",
        sysselsattning_efter=["arbete", "studier"],
        forsorjning_efter=["ingen_offentlig"],
    )
    deltagande(a1, p1, D(2015, 5, 1), forsorjning_fore=["a_kassa"])
    d3 = deltagande(
        a1,
        p2,
        D(2015, 2, 1),
        D(2015, 7, 15),
        forsorjning_fore=["sjukpenning", "forsorjningsstod"],
        sysselsattning_fore=["studier"],
    )
    deltagande(
        a1,
        p3,
        D(2015, 1, 10),
        D(2016, 2, 1),
        utbildningsniva="eftergymnasial",
        forsorjning_fore=["ingen_offentlig"],
    )
    deltagande(a3, p5, D(2013, 1, 1))
    deltagande(a1, None, D(2015, 6, 1), kon="kvinna")
    deltagande(a1, None, D(2013, 1, 1), D(2014, 12, 31), kon="man")
    Volymregistrering.objects.create(insats=a2, datum=D(2015, 6, 30), kvinnor=10, man=7, okant=2)
    Volymregistrering.objects.create(insats=a2, datum=D(2016, 1, 31), kvinnor=5, man=5, okant=0)
    Strukturdeltagare.objects.create(
        insats=s1, datum=D(2015, 9, 30), myndighetspersonal=12, arbetsgivare=3, ovriga=0
    )
    Uppfoljning.objects.create(
        deltagande=d1,
        matpunkt=90,
        datum=D(2015, 7, 1),
        sysselsattning=["arbete"],
        forsorjning=["ingen_offentlig"],
    )
    Uppfoljning.objects.create(
        deltagande=d3,
        matpunkt=90,
        datum=D(2015, 10, 20),
        sysselsattning=["ingen"],
        forsorjning=["forsorjningsstod"],
    )
    members = {(m.medlemstyp, m.kommun_id): m for m in forbund_a.medlemskap.all()}
    for key, beslutat, inbetalt in (
        ((Medlemstyp.FORSAKRINGSKASSAN, None), 1_000_000, 1_000_000),
        ((Medlemstyp.REGION, None), 500_000, 500_000),
        ((Medlemstyp.KOMMUN, "0380"), 300_000, 300_000),
        ((Medlemstyp.KOMMUN, "0381"), 200_000, None),
    ):
        MedlemsbidragFactory(medlemskap=members[key], ar=2015, beslutat=beslutat, inbetalt=inbetalt)
    for rad, insats, budget, utfall in (
        ("insats", a1, 800_000, 750_000),
        ("insats_esf", a1, 100_000, None),
        ("insats", s1, 200_000, 180_000),
        ("adm_personal", None, 250_000, 240_000),
        ("esf", None, 100_000, 90_000),
        ("eget_kapital_ub", None, 300_000, 350_000),
    ):
        Ekonomirad.objects.create(
            forbund=forbund_a, ar=2015, rad=rad, insats=insats, budget=budget, utfall=utfall
        )
    Ekonomirad.objects.create(
        forbund=forbund_a, ar=2014, rad="eget_kapital_ub", budget=0, utfall=400_000
    )
    for kommun, ar, antal in (("0380", 2014, 100_000), ("0380", 2016, 1), ("0381", 2013, 50_000)):
        Folkmangd.objects.create(kommun_id=kommun, ar=ar, folkmangd=antal)
    return forbund_a


def _rows(rapport, kod):
    """The counts of a table's rows (shares and labels are tested on their own)."""
    return {
        row["kod"]: {k: row[k] for k in rapport.tabeller[kod].kolumner}
        for row in rapport.tabeller[kod].rader
    }


def _kon(k, m, t=None):
    return {"kvinnor": k, "man": m, "totalt": k + m if t is None else t}


@pytest.fixture
def rapport(data, rapportvag):
    return rapportvag.build(
        ar=2015, omfattning=Omfattning("forbund", data.organisationsnummer), undertryck=False
    )


def test_t1_insatser(rapport):
    t = _rows(rapport, "T1")
    assert t["individ_rehabilitering"] == {"antal": 1, "nya": 0, "forbund": 1}
    assert t["individ_forberedande"] == {"antal": 1, "nya": 1, "forbund": 1}
    assert t["individ_kartlaggning"] == {"antal": 0, "nya": 0, "forbund": 0}
    assert t["individ"] == {"antal": 2, "nya": 1, "forbund": 1}
    assert t["struktur_dialog"] == {"antal": 1, "nya": 1, "forbund": 1}
    assert t["totalt"] == {"antal": 3, "nya": 2, "forbund": 1}
    assert t["behovsgrupp_langtidssjukskrivna"] == {"antal": 1, "nya": 0, "forbund": 1}
    assert t["volyminsatser"] == {"antal": 1, "nya": 1, "forbund": 1}


def test_t2_deltagare(rapport):
    t = _rows(rapport, "T2")
    assert list(t) == [
        "person_deltaganden",
        "person_individer",
        "anonyma_deltaganden",
        "volym",
        "individinriktade_totalt",
        "nyinskrivna_person",
        "nyinskrivna_anonyma",
        "strukturdeltagare",
    ]
    assert t["person_deltaganden"] == _kon(1, 4)
    assert t["person_individer"] == _kon(1, 3)
    assert t["anonyma_deltaganden"] == _kon(1, 0)
    assert t["volym"] == _kon(10, 7, 19)
    assert t["individinriktade_totalt"] == _kon(12, 11, 25)
    assert t["nyinskrivna_person"] == _kon(1, 2)
    assert t["nyinskrivna_anonyma"] == _kon(1, 0)
    assert t["strukturdeltagare"] == _kon(0, 0, 15)


def test_t3_alder_uses_the_samordningsnummer_birth_date(rapport):
    t = _rows(rapport, "T3")
    assert t == {
        "under_16": _kon(0, 0),
        "16_29": _kon(1, 2),
        "30_44": _kon(0, 1),
        "45_59": _kon(0, 0),
        "60_": _kon(0, 1),
    }


def test_t4_and_t6_count_missing_as_okand(rapport):
    t4 = _rows(rapport, "T4")
    assert t4["gymnasial"] == _kon(0, 1) and t4["eftergymnasial"] == _kon(0, 1)
    assert t4["okand"] == _kon(1, 2)  # D2, D3, D5
    t6 = _rows(rapport, "T6")
    assert t6["upp_till_3"] == _kon(0, 1) and t6["okand"] == _kon(1, 3)


def test_t5_forsorjning_fore_counts_each_group_once(rapport):
    t = _rows(rapport, "T5")
    assert t["forsorjningsstod"] == _kon(1, 0)
    assert t["sjuk_rehabpenning"] == _kon(1, 0)
    assert t["sjuk_aktivitetsersattning"] == _kon(0, 1)
    assert t["a_kassa"] == _kon(0, 1)
    assert t["ingen_offentlig"] == _kon(0, 1)
    assert t["aktivitetsstod"] == _kon(0, 0)
    assert t["nagon_offentlig"] == _kon(1, 2)


def test_t7_to_t11_avslut(rapport):
    t7 = _rows(rapport, "T7")
    assert t7["registrerade"] == _kon(1, 4)
    assert t7["avslutade"] == _kon(1, 1)
    assert t7["fullfoljd"] == _kon(0, 1)
    assert t7["okand"] == _kon(1, 0)
    assert t7["flytt"] == _kon(0, 0)
    t8 = _rows(rapport, "T8")
    assert t8["avslutade"] == _kon(1, 1)
    assert t8["arbete_eller_studier"] == _kon(0, 1)
    assert t8["arbete"] == _kon(0, 1) and t8["studier"] == _kon(0, 1)
    assert t8["okand"] == _kon(1, 0)
    assert _rows(rapport, "T9") == {
        "avslutade": _kon(1, 1),
        "fore": _kon(1, 0),
        "efter": _kon(0, 1),
    }
    t10 = _rows(rapport, "T10")
    assert t10["avslutade"] == {
        "fore_kvinnor": 1,
        "fore_man": 1,
        "fore": 2,
        "efter_kvinnor": 1,
        "efter_man": 1,
        "efter": 2,
    }
    assert t10["sjuk_aktivitetsersattning"]["fore_man"] == 1
    assert t10["forsorjningsstod"] == {
        "fore_kvinnor": 1,
        "fore_man": 0,
        "fore": 1,
        "efter_kvinnor": 0,
        "efter_man": 0,
        "efter": 0,
    }
    assert t10["ingen_offentlig"]["efter"] == 1
    assert t10["nagon_offentlig"] == {
        "fore_kvinnor": 1,
        "fore_man": 1,
        "fore": 2,
        "efter_kvinnor": 0,
        "efter_man": 0,
        "efter": 0,
    }
    assert _rows(rapport, "T11") == {
        "upp_till_6": _kon(1, 0),
        "upp_till_12": _kon(0, 1),
        "over_12": _kon(0, 0),
    }


def test_t12_behovsgrupper_with_individer_and_the_year_before(rapport):
    t = _rows(rapport, "T12")
    # unga 16–29: D1 and D2 (both P1) and D3 (P2): three deltaganden, two individer.
    assert t["unga_16_29"] == {**_kon(1, 2), "individer": 2, "foregaende_ar": 1}
    assert t["unga_aktivitetsersattning"] == {**_kon(0, 1), "individer": 1, "foregaende_ar": 1}
    assert t["sjukskrivna"] == {**_kon(1, 0), "individer": 1, "foregaende_ar": 0}


def _andel(rapport, kod):
    return {row["kod"]: row["andel"] for row in rapport.tabeller[kod].rader if "andel" in row}


def test_shares_of_the_bases_the_spec_states(rapport):
    """Promille of the stated base, rounded half up; none on the base rows; None where the
    base is 0."""
    t2 = _andel(rapport, "T2")
    # T2: of individinriktade_totalt (12, 11, 25) and of person_deltaganden (1, 4, 5).
    assert t2 == {
        "person_deltaganden": {"kvinnor": 83, "man": 364, "totalt": 200},
        "person_individer": {"kvinnor": 1000, "man": 750, "totalt": 800},
        "anonyma_deltaganden": {"kvinnor": 83, "man": 0, "totalt": 40},
        "volym": {"kvinnor": 833, "man": 636, "totalt": 760},
        "nyinskrivna_person": {"kvinnor": 1000, "man": 500, "totalt": 600},
    }
    # T3: 16–29 is D1, D2 (man) and D3 (kvinna) of 1 kvinna and 4 män.
    assert _andel(rapport, "T3")["16_29"] == {"kvinnor": 1000, "man": 500, "totalt": 600}
    assert _andel(rapport, "T4")["okand"] == {"kvinnor": 1000, "man": 500, "totalt": 600}
    assert _andel(rapport, "T5")["nagon_offentlig"] == {"kvinnor": 1000, "man": 500, "totalt": 600}
    assert _andel(rapport, "T6")["upp_till_3"] == {"kvinnor": 0, "man": 250, "totalt": 200}
    # T7: of avslutade (1, 1, 2); registrerade and avslutade themselves have none.
    t7 = _andel(rapport, "T7")
    assert "avslutade" not in t7 and "registrerade" not in t7
    assert t7["fullfoljd"] == {"kvinnor": 0, "man": 1000, "totalt": 500}
    assert _andel(rapport, "T8")["arbete_eller_studier"] == {
        "kvinnor": 0,
        "man": 1000,
        "totalt": 500,
    }
    assert _andel(rapport, "T9") == {
        "fore": {"kvinnor": 1000, "man": 0, "totalt": 500},
        "efter": {"kvinnor": 0, "man": 1000, "totalt": 500},
    }
    assert _andel(rapport, "T10")["nagon_offentlig"] == {
        "fore_kvinnor": 1000,
        "fore_man": 1000,
        "fore": 1000,
        "efter_kvinnor": 0,
        "efter_man": 0,
        "efter": 0,
    }
    assert _andel(rapport, "T11")["upp_till_6"] == {"kvinnor": 1000, "man": 0, "totalt": 500}
    # T12: kön columns only, of person_deltaganden.
    assert _andel(rapport, "T12")["sjukskrivna"] == {"kvinnor": 1000, "man": 0, "totalt": 200}
    # T15: of uppfoljda in the same row; none followed up at 180 days → None.
    t15 = _andel(rapport, "T15")
    assert t15["90"] == {"arbete_eller_studier": 500, "ingen_offentlig": 500}
    assert t15["180"] == {"arbete_eller_studier": None, "ingen_offentlig": None}
    for kod in ("T1", "T13", "T14", "T16", "T18"):
        assert _andel(rapport, kod) == {}


def test_a_share_of_a_suppressed_count_or_base_is_none(data, rapportvag):
    rapport = rapportvag.build(ar=2015, omfattning=Omfattning("nationell"), undertryck=True)
    t2 = rapport.tabeller["T2"]
    # person_deltaganden 1, 4, 5: the 1 and the 4 are suppressed, the 5 too (the only other
    # hidden cell of its column, anonyma 1, would follow from individinriktade_totalt).
    assert t2.varde("person_deltaganden", "totalt") is None
    assert t2.row("person_deltaganden")["andel"] == {"kvinnor": None, "man": None, "totalt": None}
    # volym 10, 7, 19: man 7 and then kvinnor 10 go by complementary suppression (män: only
    # person 4 hidden in the column; then volym's row); totalt 19 stays, but its base 25
    # goes by secondary suppression (with 19 it would give person + anonyma, 6, and the
    # förbund's own row in T17 and T16's share would pin them down).
    assert [t2.varde("volym", k) for k in ("kvinnor", "man", "totalt")] == [None, None, 19]
    assert t2.varde("individinriktade_totalt", "totalt") is None
    assert t2.row("volym")["andel"] == {"kvinnor": None, "man": None, "totalt": None}
    # nyinskrivna_person (1, 2, 3) is suppressed, and so is its base's kvinnor and man.
    assert t2.row("nyinskrivna_person")["andel"] == {"kvinnor": None, "man": None, "totalt": None}
    # T9 fore (1, 0, 1) of avslutade (1, 1, 2): the 0 of a suppressed base is None too.
    assert rapport.tabeller["T9"].row("fore")["andel"] == {
        "kvinnor": None,
        "man": None,
        "totalt": None,
    }


def test_t13_ekonomi(rapport):
    t = _rows(rapport, "T13")
    assert t["bidrag_forsakringskassan"] == {"budget": 1_000_000, "utfall": 1_000_000}
    assert t["bidrag_kommun"] == {"budget": 500_000, "utfall": 300_000}
    assert t["finansiering_esf"] == {"budget": 100_000, "utfall": 90_000}
    assert t["intakter"] == {"budget": 2_100_000, "utfall": 1_890_000}
    assert t["kostnad_individ"] == {"budget": 900_000, "utfall": 750_000}
    assert t["kostnad_struktur"] == {"budget": 200_000, "utfall": 180_000}
    assert t["kostnad_administration"] == {"budget": 250_000, "utfall": 240_000}
    assert t["kostnader"] == {"budget": 1_350_000, "utfall": 1_170_000}
    # 250 000 × 1000 / 1 350 000 = 185.19 → 185; 240 000 × 1000 / 1 170 000 = 205.13 → 205
    assert t["administration_andel_promille"] == {"budget": 185, "utfall": 205}
    # Eget kapital: in = 2014's utgående utfall; out = 2015's line; of the contributions
    # 2 000 000 / 1 800 000: 150 and 194.4 → 194.
    assert t["eget_kapital_ingaende"] == {"budget": 400_000, "utfall": 400_000}
    assert t["eget_kapital_utgaende"] == {"budget": 300_000, "utfall": 350_000}
    assert t["eget_kapital_andel_promille"] == {"budget": 150, "utfall": 194}
    # kostnad_individ 900 000 / 750 000 over T2's 25 deltagare.
    assert t["kostnad_per_deltagare"] == {"budget": 36_000, "utfall": 30_000}
    # 0380's latest population up to 2015 is 2014's 100 000, 0381's 2013's 50 000:
    # 1 350 000 kr / 150 000 = 9,00 kr; 1 170 000 / 150 000 = 7,80 kr.
    assert t["kronor_per_invanare_ore"] == {"budget": 900, "utfall": 780}
    assert list(t)[-6:] == [
        "administration_andel_promille",
        "eget_kapital_ingaende",
        "eget_kapital_utgaende",
        "eget_kapital_andel_promille",
        "kostnad_per_deltagare",
        "kronor_per_invanare_ore",
    ]


def test_t19_key_figures_over_five_years(rapport):
    """By hand from the data: A3 runs 2012–2014, A1 from 2014, A2 and S1 in 2015; D5 (P5)
    from 2013, N2 2013–2014, D1 (P1) from June 2014."""
    t = _rows(rapport, "T19")
    years = ["2011", "2012", "2013", "2014", "2015"]
    assert rapport.tabeller["T19"].kolumner == years

    def row(*values):
        return dict(zip(years, values, strict=True))

    assert t == {
        "insatser_individ": row(0, 1, 1, 2, 2),
        "insatser_struktur": row(0, 0, 0, 0, 1),
        "person_deltaganden": row(0, 0, 1, 2, 5),
        "person_individer": row(0, 0, 1, 2, 4),
        "anonyma_deltaganden": row(0, 0, 1, 1, 1),
        "volym": row(0, 0, 0, 0, 19),
        "strukturdeltagare": row(0, 0, 0, 0, 15),
        "avslutade": row(0, 0, 0, 0, 2),
        # Shares of avslutade: none ended before 2015, so no share (None), not 0.
        "arbete_eller_studier_fore_promille": row(None, None, None, None, 500),
        "arbete_eller_studier_efter_promille": row(None, None, None, None, 500),
        "nagon_offentlig_fore_promille": row(None, None, None, None, 1000),
        "nagon_offentlig_efter_promille": row(None, None, None, None, 0),
        "kostnader_utfall": row(0, 0, 0, 0, 1_170_000),
        "administration_andel_promille": row(0, 0, 0, 0, 205),
    }


def test_t14_to_t16(rapport):
    t14 = _rows(rapport, "T14")
    assert t14["dialog"] == {
        "insatser": 1,
        "myndighetspersonal": 12,
        "arbetsgivare": 3,
        "ovriga": 0,
        "totalt": 15,
    }
    assert t14["utbildning"]["insatser"] == 0
    assert t14["totalt"] == t14["dialog"]
    t15 = _rows(rapport, "T15")
    assert t15["90"] == {"uppfoljda": 2, "arbete_eller_studier": 1, "ingen_offentlig": 1}
    assert t15["180"] == {"uppfoljda": 0, "arbete_eller_studier": 0, "ingen_offentlig": 0}
    t16 = _rows(rapport, "T16")
    assert t16["personuppgifter"] == {"antal": 5, "andel_promille": 833}  # 5 of 6
    assert t16["oppna_efter_insatsslut"] == {"antal": 1, "andel_promille": 167}  # 1 of 6
    assert t16["avslutade_utan_sysselsattning"] == {"antal": 1, "andel_promille": 500}
    assert t16["avslutade_utan_forsorjning"] == {"antal": 1, "andel_promille": 500}


def test_t18_per_insats(rapport):
    t = _rows(rapport, "T18")
    assert list(t) == ["A1", "A2", "S1", "tilldelade_medel", "administration", "eget_kapital"]
    assert t["A1"] == {
        "niva": "individ",
        "typ": "rehabilitering",
        "uppfoljningsmetod": "individuell",
        "malgrupp": t["A1"]["malgrupp"],
        "esf": True,
        "budget": 900_000,
        "utfall": 750_000,
        "varav_esf_budget": 100_000,
        "varav_esf_utfall": 0,
        "planerat_antal": 0,
        "deltagare_kvinnor": 2,
        "deltagare_man": 3,
        "deltagare_okant": 0,
        "strukturdeltagare": 0,
        "forsakringskassan": "",
        "region": "",
        "kommun": "",
    }
    assert t["A1"]["malgrupp"].endswith("Långtidssjukskrivna")
    assert t["A2"]["uppfoljningsmetod"] == "volym" and t["A2"]["esf"] is False
    assert t["S1"]["uppfoljningsmetod"] == "struktur"
    assert (t["A2"]["deltagare_kvinnor"], t["A2"]["deltagare_man"], t["A2"]["deltagare_okant"]) == (
        10,
        7,
        2,
    )
    assert t["S1"]["strukturdeltagare"] == 15 and t["S1"]["budget"] == 200_000
    assert (
        t["tilldelade_medel"]["budget"] == 2_000_000
        and t["tilldelade_medel"]["utfall"] == 1_800_000
    )
    assert t["administration"]["budget"] == 250_000
    assert (
        t["tilldelade_medel"]["forsakringskassan"],
        t["tilldelade_medel"]["region"],
        t["tilldelade_medel"]["kommun"],
    ) == (1_000_000, 500_000, 500_000)
    a1 = rapport.tabeller["T18"].row("A1")
    assert (a1["niva_etikett"], a1["typ_etikett"], a1["uppfoljningsmetod_etikett"]) == (
        "Individinriktad insats",
        "Rehabilitering till arbete eller utbildning",
        "Individuell",
    )


def test_forbund_scope_has_no_t0_or_t17_and_national_has_them(data, forbund_b, rapportvag):
    national = rapportvag.build(ar=2015, omfattning=Omfattning("nationell"), undertryck=False)
    t0 = _rows(national, "T0")
    assert t0["03"] == {"forbund": 1, "kommuner": 2}
    assert t0["12"] == {"forbund": 1, "kommuner": 1}
    assert t0["totalt"] == {"forbund": 2, "kommuner": 3}
    t17 = _rows(national, "T17")
    assert t17[data.organisationsnummer] == {
        "person_deltaganden": 5,
        "anonyma_deltaganden": 1,
        "volym": 19,
        "avslutade": 2,
        "arbete_eller_studier": 1,
        "personuppgifter_promille": 833,
        "insatser": 3,
    }
    assert t17[forbund_b.organisationsnummer]["person_deltaganden"] == 0
    lan = rapportvag.build(ar=2015, omfattning=Omfattning("lan", "12"), undertryck=False)
    assert _rows(lan, "T2")["person_deltaganden"] == _kon(0, 0)


def test_suppression_primary_complementary_and_shares():
    t = Tabell(
        "TX",
        "x",
        ["kvinnor", "man", "totalt", "andel"],
        "",
        personkolumner={"kvinnor", "man", "totalt"},
        andelar={"andel": "totalt"},
        radsummor=[(("kvinnor", "man"), "totalt")],
    )
    t.rad("a", "a", kvinnor=3, man=10, totalt=13, andel=100)
    t.rad("b", "b", kvinnor=0, man=20, totalt=20, andel=200)
    t.rad("c", "c", kvinnor=2, man=2, totalt=4, andel=50)
    suppress(t, 5)
    rows = {r["kod"]: r for r in t.rader}
    # a: 3 is primary; the row has a total, so the next-smallest non-zero cell (man 10) goes too.
    assert (rows["a"]["kvinnor"], rows["a"]["man"], rows["a"]["totalt"]) == (None, None, 13)
    assert rows["b"] == {
        "kod": "b",
        "etikett": "b",
        "kvinnor": 0,
        "man": 20,
        "totalt": 20,
        "andel": 200,
    }
    assert (rows["c"]["kvinnor"], rows["c"]["man"], rows["c"]["totalt"], rows["c"]["andel"]) == (
        None,
        None,
        None,
        None,
    )
    assert t.undertryckta == ["a.kvinnor", "a.man", "c.kvinnor", "c.man", "c.totalt", "c.andel"]


def test_suppressed_national_report_hides_small_counts_but_not_money(data, rapportvag):
    rapport = rapportvag.build(ar=2015, omfattning=Omfattning("nationell"), undertryck=True)
    t2 = rapport.tabeller["T2"]
    assert t2.varde("person_deltaganden", "kvinnor") is None
    assert "person_deltaganden.kvinnor" in t2.undertryckta
    assert t2.varde("volym", "totalt") == 19
    assert rapport.tabeller["T13"].varde("kostnader", "budget") == 1_350_000
    assert rapport.tabeller["T1"].varde("totalt", "antal") == 3  # insatser are never suppressed
    for tabell in rapport.tabeller.values():
        for row in tabell.rader:
            for column in tabell.personkolumner:
                value = row[column]
                assert value is None or value == 0 or value >= 5


def test_promille_rounds_half_up():
    assert promille(1, 8) == 125  # 125.0
    assert promille(1, 16) == 63  # 62.5 → 63
    assert promille(0, 0) == 0


def test_command_writes_the_json_form(data, rapportvag):
    out = io.StringIO()
    rapportvag.forbered(2015)
    call_command(
        "aterrapportering", "--ar", "2015", "--forbund", data.organisationsnummer, stdout=out
    )
    doc = json.loads(out.getvalue())
    assert doc["rapport"] == "aterrapportering" and doc["version"] == 2 and doc["ar"] == 2015
    assert doc["omfattning"] == {"typ": "forbund", "kod": data.organisationsnummer}
    assert doc["undertryckt"] is False
    # Which facts the report read, per year (its own and T19's four before it).
    assert doc["fakta"] == {str(y): rapportvag.kalla for y in range(2011, 2016)}
    assert list(doc["tabeller"]) == [f"T{i}" for i in range(1, 17)] + ["T18", "T19"]
    row = doc["tabeller"]["T2"]["rader"][0]
    assert row == {
        "kod": "person_deltaganden",
        "etikett": "Deltaganden med personuppgifter",
        "kvinnor": 1,
        "man": 4,
        "totalt": 5,
        # of individinriktade_totalt 12, 11, 25: 83.3, 363.6, 200
        "andel": {"kvinnor": 83, "man": 364, "totalt": 200},
    }


def test_xlsx_holds_the_same_numbers(data, tmp_path, rapportvag):
    from openpyxl import load_workbook

    path = tmp_path / "r.xlsx"
    rapportvag.forbered(2015)
    call_command(
        "aterrapportering", "--ar", "2015", "--undertryck", "--format", "xlsx", "--out", str(path)
    )
    sheet = load_workbook(path)["T2"]
    rows = {r[0]: r[1:] for r in sheet.iter_rows(min_row=5, values_only=True)}
    assert rows["Deltagare i volyminsatser"][4] == 19  # kvinnor, %, män, %, totalt
    assert rows["Deltaganden med personuppgifter"][0] == ".."


def test_query_count_does_not_grow_with_forbund(
    data, django_assert_max_num_queries, forbund_b, rapportvag
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rapportvag.forbered(2015)  # the worker's refresh is not the report's work
    with CaptureQueriesContext(connection) as few:
        rapportvag.build(ar=2015, omfattning=Omfattning("nationell"), undertryck=True)
    for i in range(5):
        InsatsFactory(forbund=forbund_b, kod=f"B{i}", startdatum=D(2015, 1, 1))
    rapportvag.forbered(2015)  # (the new insatser are writes the stored tables follow)
    with django_assert_max_num_queries(len(few.captured_queries)):
        rapportvag.build(ar=2015, omfattning=Omfattning("nationell"), undertryck=True)


def _forbund_pdf(data, tmp_path, rapportvag):
    """The förbund's PDF for 2015, as the command writes it."""
    path = tmp_path / "r.pdf"
    rapportvag.forbered(2015)
    call_command(
        "aterrapportering",
        "--ar",
        "2015",
        "--forbund",
        data.organisationsnummer,
        "--format",
        "pdf",
        "--out",
        str(path),
    )
    return path


def test_pdf_shows_the_numbers_of_the_json(data, tmp_path, rapportvag):
    from pypdf import PdfReader

    path = _forbund_pdf(data, tmp_path, rapportvag)
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    text = text.replace("\u202f", " ").replace("\u00a0", " ")
    assert "Återrapportering 2015" in text
    for kod in ("T1 Insatser", "T13 Ekonomi", "T18 Uppföljning Finsam", "Förbundets insatser"):
        assert kod in text
    assert "Källa: Finsam, registreringar t.o.m." in text
    assert "1 350 000" in text and "2 100 000" in text  # T13 kostnader and intäkter
    # T2, the first row: each count with its whole percent of individinriktade_totalt.
    assert "Deltaganden med personuppgifter 1 8 4 36 5 20" in text


def test_pdf_tables_stay_inside_the_page(data, tmp_path, rapportvag):
    """No text of the PDF lies past the right margin: a long compound word in a narrow
    text column must wrap (and hyphenate), not widen its table off the page. pypdf reads
    text off the page as well, so the other PDF tests cannot see this; here every piece of
    text is placed by its position on the page."""
    from pypdf import PdfReader

    InsatsFactory(
        forbund=data,
        kod="KARTLAGGNING",
        namn="Kartläggning och arbetsförmågebedömning",
        startdatum=D(2015, 1, 1),
    )
    path = _forbund_pdf(data, tmp_path, rapportvag)
    outside = []
    for number, page in enumerate(PdfReader(path).pages, start=1):
        right = float(page.mediabox.right) - 5 * 72 / 25.4  # leave at least 5 mm

        def visit(text, cm, tm, _font, size, number=number, right=right):
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            words = text.strip()
            # the end of the piece: its start plus about half an em per character
            if words and x + 0.45 * size * len(words) * cm[0] > right:
                outside.append((number, words))

        page.extract_text(visitor_text=visit)
    assert outside == []


def test_pdf_contents_name_the_page_of_each_table(data, tmp_path, rapportvag):
    """The contents page gives, for every table, the page its heading stands on."""
    from pypdf import PdfReader

    reader = PdfReader(_forbund_pdf(data, tmp_path, rapportvag))
    pages = [page.extract_text() for page in reader.pages]
    # (As laid out: the page numbers stand at the right of their titles.)
    contents = reader.pages[1].extract_text(extraction_mode="layout")
    assert "Innehåll" in contents
    entries = re.findall(r"^\s*(T\d+ \S.*?)\s+(\d+)\s*$", contents, re.MULTILINE)
    assert [rubrik.split()[0] for rubrik, _ in entries] == [
        f"T{n}" for n in range(1, 20) if n != 17
    ]
    for rubrik, sida in entries:
        # the first page after the title page and the contents that names the table
        first = next(n for n, text in enumerate(pages[2:], start=3) if rubrik in text)
        assert int(sida) == first, rubrik


def test_suppressed_pdf_shows_dots(data, tmp_path, rapportvag):
    from pypdf import PdfReader

    path = tmp_path / "r.pdf"
    rapportvag.forbered(2015)
    call_command(
        "aterrapportering", "--ar", "2015", "--undertryck", "--format", "pdf", "--out", str(path)
    )
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    assert "Deltaganden med personuppgifter .. .. .." in text


def _pdf_cell(value, share=False):
    """A JSON value as the PDF prints it (written out here, not taken from rapporter.pdf)."""
    if value is None:
        return ".."
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if share:
        value = int(Decimal(value) / 10 + Decimal("0.5"))  # whole percent, half up
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return str(value)


def _xlsx_cell(column, value):
    if value is None:
        return ".."
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if column in ("startdatum", "slutdatum"):
        return dt.datetime.fromisoformat(value) if value else None
    return value if value != "" else None


@pytest.mark.parametrize("scope", ["forbund", "lan", "nationell"])
def test_json_xlsx_and_pdf_agree_on_every_row(data, tmp_path, scope, rapportvag):
    """Every row of every table (and the förbund's insats catalogue) reads the same in the
    three outputs of the command: the XLSX cell by cell with its shares as percentages, the
    PDF as its text with a whole-percent column after each count that has a share; every
    column header of every table is in the PDF, and no table row is split across pages."""
    from openpyxl import load_workbook
    from pypdf import PdfReader

    args = ["aterrapportering", "--ar", "2015"]
    if scope == "forbund":
        args += ["--forbund", data.organisationsnummer]
    elif scope == "lan":
        args += ["--lan", data.lan, "--undertryck"]
    else:
        args += ["--undertryck"]
    paths = {fmt: tmp_path / f"r.{fmt}" for fmt in ("json", "xlsx", "pdf")}
    for fmt, path in paths.items():
        rapportvag.forbered(2015)
        call_command(*args, "--format", fmt, "--out", str(path))
    doc = json.loads(paths["json"].read_text())
    workbook = load_workbook(paths["xlsx"])

    def words(text):
        # Narrow tables hyphenate their headers and labels: join "kvin- nor" on both sides.
        return re.sub(r"[-\u2010]\s", "", " ".join(text.replace("\u202f", " ").split()))

    pages = [words(page.extract_text()) for page in PdfReader(paths["pdf"]).pages]
    text = " ".join(pages)
    tables = dict(doc["tabeller"])
    if "insatskatalog" in doc:
        tables["Insatskatalog"] = doc["insatskatalog"]
    assert ("Insatskatalog" in tables) == (scope == "forbund")
    assert workbook.sheetnames == ["Om rapporten", *tables]
    assert "T19" in tables and ("T17" in tables) == (scope != "forbund")
    codes = {"T17": True, "T18": True, "Insatskatalog": True}
    labels = {
        "niva": "niva_etikett",
        "typ": "typ_etikett",
        "uppfoljningsmetod": "uppfoljningsmetod_etikett",
    }
    sums = {"tilldelade_medel", "administration", "eget_kapital"}
    rows_checked = 0
    for kod, table in tables.items():
        shares = [
            c for c in table["kolumner"] if any(c in r.get("andel", {}) for r in table["rader"])
        ]
        sheet = list(workbook[kod].iter_rows(min_row=4, values_only=True))
        header, sheet_rows = sheet[0], sheet[1 : 1 + len(table["rader"])]
        assert len(sheet_rows) == len(table["rader"]), kod
        for cell in header[1 if codes.get(kod) else 0 :]:
            if cell not in ("Rad", "%"):
                assert words(cell) in text, (kod, cell)  # every column header is in the PDF
        for row, cells in zip(table["rader"], sheet_rows, strict=True):
            want_xlsx, want_pdf = [], []
            if codes.get(kod):
                code = "" if row["kod"] in sums else row["kod"]
                want_xlsx.append(code or None)
                want_pdf.append(code)
            want_xlsx.append(row["etikett"])
            want_pdf.append(row["etikett"])
            for c in table["kolumner"]:
                v = row[labels[c]] if c in labels else row[c]
                want_xlsx.append(_xlsx_cell(c, v))
                want_pdf.append(_pdf_cell(v) if v != "" else "")
                if c in shares:
                    share = row.get("andel", {}).get(c, "none")
                    if share == "none":
                        want_xlsx.append(None)
                        want_pdf.append("")
                    elif share is None:
                        # Withheld (..) where the count is suppressed; where only the base
                        # is, also ..; where the base is 0, a dash.
                        shown = cells[len(want_xlsx)]
                        assert shown in ("..", "–"), (kod, row["kod"], c)
                        if row[c] is None:
                            assert shown == ".."
                        want_xlsx.append(shown)
                        want_pdf.append(shown)
                    else:
                        want_xlsx.append(share / 1000)
                        want_pdf.append(_pdf_cell(share, share=True))
            assert list(cells) == want_xlsx, kod
            line = words(" ".join(want_pdf))
            # The whole row on one page: not split across a page break. In the wide tables a
            # name may wrap inside its cell, which pypdf reads after the row's first line:
            # there every cell must be on the row's one page.
            if kod in codes:
                cells_pdf = [words(c) for c in want_pdf if c]
                assert any(all(c in page for c in cells_pdf) for page in pages), (kod, line)
            else:
                assert any(line in page for page in pages), (kod, line)
            rows_checked += 1
    assert rows_checked > 120
    if scope != "forbund":
        assert "Deltaganden med personuppgifter .." in text


def test_xlsx_formats_sheet_about_and_escaping(data, tmp_path, rapportvag):
    """Numbers with `#,##0` (no literal space), shares `0%`, dates as dates, the header
    frozen and filterable, an 'Om rapporten' sheet, and formula-looking text escaped."""
    from openpyxl import load_workbook

    Insats.objects.filter(kod="A1").update(namn='=HYPERLINK("http://x")')
    path = tmp_path / "r.xlsx"
    rapportvag.forbered(2015)
    call_command(
        "aterrapportering",
        "--ar",
        "2015",
        "--forbund",
        data.organisationsnummer,
        "--format",
        "xlsx",
        "--out",
        str(path),
    )
    workbook = load_workbook(path)
    about = {
        r[0]: r[1] for r in workbook["Om rapporten"].iter_rows(min_row=3, values_only=True) if r[0]
    }
    assert about["Version"] == 2 and about["År"] == 2015
    assert (
        about["Omfattning"] == "Samordningsförbundet A" or about["Kod"] == data.organisationsnummer
    )
    assert about["Kod"] == data.organisationsnummer and about["Små tal undertryckta"] == "Nej"
    assert ".." in about["Förklaring"]
    t2 = workbook["T2"]
    assert t2.freeze_panes == "A5" and t2.auto_filter.ref.startswith("A4:")
    formats = {
        c.number_format for row in t2.iter_rows(min_row=5) for c in row if c.value is not None
    }
    assert "#,##0" in formats and "0%" in formats
    assert not any(" " in f for f in formats)
    t18 = {r[0]: r for r in workbook["T18"].iter_rows(min_row=5, values_only=True)}
    assert t18["A1"][1] == '\'=HYPERLINK("http://x")'
    katalog = workbook["Insatskatalog"]
    start = [c for c in katalog[5] if isinstance(c.value, dt.datetime)]
    assert start and start[0].number_format == "yyyy-mm-dd"


def test_summary_change_has_a_real_minus_sign():
    from rapporter.pdf import _change

    assert [_change(19), _change(-513000), _change(0), _change(None)] == [
        "+19",
        "\u2212513\u202f000",
        "0",
        "–",
    ]


def test_a_kon_outside_the_code_list_counts_in_totalt_only(data, rapportvag):
    """Kön has no database constraint; such a row must neither crash the report nor be
    guessed into kvinnor or man."""
    Deltagande.objects.filter(registreringsform="anonym", kon="kvinna").update(kon="x")
    rapport = rapportvag.build(
        ar=2015, omfattning=Omfattning("forbund", data.organisationsnummer), undertryck=False
    )
    assert _rows(rapport, "T2")["anonyma_deltaganden"] == _kon(0, 0, 1)


def test_pdf_footer_shows_the_forbund_name_as_written(data, tmp_path, rapportvag):
    """The footer is a CSS string: a hyphen used to print as `u002D` (a JavaScript escape)."""
    from pypdf import PdfReader

    data.namn = 'Samordningsförbundet Väst-Öst & "Co" <Nord>'
    data.save()
    path = tmp_path / "r.pdf"
    rapportvag.forbered(2015)
    call_command(
        "aterrapportering", "--ar", "2015", "--forbund", data.organisationsnummer,
        "--format", "pdf", "--out", str(path),
    )  # fmt: skip
    pages = PdfReader(path).pages
    footer = f"Återrapportering 2015 – {data.namn}"
    assert footer in pages[1].extract_text()
    assert "u002D" not in "".join(page.extract_text() for page in pages)


def test_lan_and_levels_carry_their_proper_names(data, rapportvag):
    rapport = rapportvag.build(ar=2015, omfattning=Omfattning("lan", "14"), undertryck=False)
    assert rapport.omfattning.label() == "Västra Götalands län"
    national = rapportvag.build(ar=2015, omfattning=Omfattning("nationell"), undertryck=False)
    labels = {r["kod"]: r["etikett"] for r in national.tabeller["T0"].rader}
    assert labels["03"] == "Uppsala län"
    assert Omfattning("lan", "12").label() == "Skåne län"
    t1 = {r["kod"]: r["etikett"] for r in national.tabeller["T1"].rader}
    assert t1["individ"] == "Individinriktade insatser, totalt"
    assert t1["struktur"] == "Strukturinriktade insatser, totalt"


def test_summary_sentences_from_the_numbers(data, rapportvag):
    """Hand-worked from the data: 25 deltagare in 2015 against 2 + 1 in 2014; 4 individer
    against 2; kvinnor 12 of 23 with known kön; of 2 avslutade 1 to arbete eller studier
    (none ended in 2014, so no change); någon offentlig försörjning 2 of 2 before, 0 after;
    administration 240 000 of 1 170 000; eget kapital 350 000 (400 000 at the start) of
    1 800 000 in contributions."""
    from rapporter.pdf import iakttagelser

    rapport = rapportvag.build(
        ar=2015, omfattning=Omfattning("forbund", data.organisationsnummer), undertryck=False
    )
    assert iakttagelser(rapport) == [
        "Under 2015 hade de individinriktade insatserna 25 deltagare, en ökning med 733 "
        "procent jämfört med 2014.",
        "4 individer var registrerade med personuppgifter, en ökning med 100 procent jämfört "
        "med 2014.",
        "Kvinnor var 52 procent av deltagarna vars kön är känt.",
        "Av de 2 deltaganden med personuppgifter som avslutades gick 50 procent till arbete "
        "eller studier.",
        "100 procent av de avslutade hade någon offentlig försörjning före insatsen och "
        "0 procent vid avslut.",
        "Administrationen svarade för 21 procent av kostnaderna.",
        "Eget kapital var 350\u202f000 kronor vid årets slut (400\u202f000 kronor vid årets "
        "början), 19 procent av medlemsbidragen.",
    ]


def test_summary_never_puts_a_suppressed_value_into_words(data, rapportvag):
    from rapporter.pdf import iakttagelser

    rapport = rapportvag.build(ar=2015, omfattning=Omfattning("nationell"), undertryck=True)
    text = " ".join(iakttagelser(rapport))
    # Suppressed here: individer (4) and the avslutade (2) with their shares; the sentences
    # that need them are left out, the others stay.
    assert rapport.tabeller["T2"].varde("person_individer", "totalt") is None
    assert rapport.tabeller["T9"].varde("avslutade", "totalt") is None
    assert "individer" not in text and "avslutades" not in text
    assert "Kvinnor var 52 procent" in text  # 12 and 11 of individinriktade_totalt are shown
    # Its totalt (25) goes by secondary suppression, and with it the sentence on deltagare.
    assert rapport.tabeller["T2"].varde("individinriktade_totalt", "totalt") is None
    assert "individinriktade insatserna" not in text
    assert "Administrationen svarade för 21 procent" in text
