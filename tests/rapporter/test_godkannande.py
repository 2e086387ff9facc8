"""Year-end approval (issue 14): approving stores the report, the year is locked, reports
read the approved version, a reopening and a new version show what changed.

The data: förbund A, year 2015 (approved in the tests), and 2016 (the year after, open).

insatser   A1 individ/rehabilitering/individuell 2014-01-01– (open)
           V1 individ/förberedande/volym         2015-01-01–
           S1 struktur/dialog                    2015-01-01–
deltaganden
  D1 P1 kvinna A1 2015-02-01–2015-10-31, fullföljd, efter arbete / ingen offentlig
  D2 P2 man    A1 2015-05-01– (open; its insats runs on)
  N1 anonym kvinna A1 2015-06-01–2015-08-31
volym      V1 2015-06-30: 10 kvinnor, 7 män, 2 okänt
ekonomi    2015 adm_personal 100 000 / 90 000
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from deltagare import pnr
from deltagare import services as deltagare_services
from deltagare.models import Deltagande, Person, Samtycke
from forbund.models import Arsgodkannande, Arshandelse, Medlemskap
from forbund.services import medlemsbidrag_set
from insatser import services as insatser_services
from insatser.models import Ekonomirad, Insats, Strukturdeltagare, Volymregistrering
from rapporter import godkannande
from rapporter import rapport as rapport_module
from rapporter.models import Rapportversion
from rapporter.tabeller import Omfattning
from tests.factories import InsatsFactory

pytestmark = pytest.mark.django_db

D = dt.date
LOCKED = 2015


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


def _person(forbund, nummer: str) -> Person:
    p = Person(forbund=forbund)
    p.set_personnummer(pnr.parse(nummer))
    p.save()
    Samtycke.objects.create(person=p, syfte="registrering", datum=D(2015, 1, 1))
    return p


@pytest.fixture
def data(forbund_a):
    a1 = InsatsFactory(forbund=forbund_a, kod="A1", startdatum=D(2014, 1, 1))
    v1 = InsatsFactory(
        forbund=forbund_a, kod="V1", typ="forberedande", deltagarregistrering="volym"
    )
    s1 = InsatsFactory(forbund=forbund_a, kod="S1", niva="struktur", typ="dialog")
    p1, p2 = _person(forbund_a, "19900101-0025"), _person(forbund_a, "19900101-0017")
    d1 = Deltagande.objects.create(
        insats=a1,
        registreringsform="person",
        person=p1,
        kon=p1.kon,
        startdatum=D(2015, 2, 1),
        slutdatum=D(2015, 10, 31),
        avslutsorsak="fullfoljd",
        sysselsattning_efter=["arbete"],
        forsorjning_efter=["ingen_offentlig"],
    )
    d2 = Deltagande.objects.create(
        insats=a1, registreringsform="person", person=p2, kon=p2.kon, startdatum=D(2015, 5, 1)
    )
    Deltagande.objects.create(
        insats=a1,
        registreringsform="anonym",
        kon="kvinna",
        startdatum=D(2015, 6, 1),
        slutdatum=D(2015, 8, 31),
    )
    Volymregistrering.objects.create(insats=v1, datum=D(2015, 6, 30), kvinnor=10, man=7, okant=2)
    Ekonomirad.objects.create(
        forbund=forbund_a, ar=2015, rad="adm_personal", budget=100_000, utfall=90_000
    )
    return {"a1": a1, "v1": v1, "s1": s1, "p1": p1, "p2": p2, "d1": d1, "d2": d2}


def _report(forbund, tmp_path, ar: int = LOCKED) -> bytes:
    """The report as `manage.py aterrapportering` writes it to a file."""
    path = tmp_path / "rapport.json"
    args = ["aterrapportering", "--ar", str(ar), "--forbund", forbund.organisationsnummer]
    call_command(*args, "--out", str(path), stderr=io.StringIO())
    return path.read_bytes()


def _approve(forbund, ar: int = LOCKED) -> Rapportversion:
    code, out, err = run("godkann_ar", "--forbund", forbund.organisationsnummer, "--ar", str(ar))
    assert code == 0, err
    assert out.startswith(f"{forbund.namn} {ar}: godkänt, version ")
    return Rapportversion.objects.filter(godkannande__ar=ar).order_by("-version").first()


def _json(forbund, ar: int = LOCKED, undertryck: bool = False) -> dict:
    return godkannande.report_json(
        ar=ar, omfattning=Omfattning("forbund", forbund.organisationsnummer), undertryck=undertryck
    )


# ---------------------------------------------------------------- approving


def test_godkann_ar_stores_the_report_in_three_forms_with_sha256(forbund_a, data):
    before = _json(forbund_a)
    assert before["uppgifter"] == {"status": "preliminara"}
    version = _approve(forbund_a)
    assert version.version == 1
    for format in ("json", "xlsx", "pdf"):
        assert hashlib.sha256(version.fil(format)).hexdigest() == version.sha256(format)
    assert version.fil("pdf").startswith(b"%PDF") and version.fil("xlsx").startswith(b"PK")
    stored = json.loads(version.fil("json"))
    assert stored["uppgifter"]["status"] == "godkanda" and stored["uppgifter"]["version"] == 1
    assert stored["tabeller"]["T2"] == before["tabeller"]["T2"]
    g = Arsgodkannande.objects.get()
    assert (g.status, g.version, g.ar) == ("godkant", 1, LOCKED)
    assert g.handelser.get().handelse == Arshandelse.Handelse.GODKANT


def test_a_report_of_an_approved_year_is_the_approved_json_byte_for_byte(forbund_a, data, tmp_path):
    version = _approve(forbund_a)
    assert _json(forbund_a) == json.loads(version.fil("json"))
    assert _report(forbund_a, tmp_path) == version.fil("json")


def test_godkann_ar_twice_exits_1_with_a_swedish_error(forbund_a, data):
    _approve(forbund_a)
    code, out, err = run("godkann_ar", "--forbund", forbund_a.organisationsnummer, "--ar", "2015")
    assert code == 1 and out == ""
    assert "År 2015 är redan godkänt (version 1)" in err


def test_godkann_ar_refuses_a_year_not_ended_and_an_unknown_forbund(forbund_a):
    code, _, err = run("godkann_ar", "--forbund", forbund_a.organisationsnummer, "--ar", "2100")
    assert code == 1 and "År 2100 är inte slut än" in err
    code, _, err = run("godkann_ar", "--forbund", "5566778899", "--ar", "2015")
    assert code == 1 and "Det finns inget förbund med organisationsnumret 5566778899" in err


def test_open_deltaganden_past_their_insats_end_need_a_reason(forbund_a, data):
    a1 = data["a1"]
    Insats.objects.filter(pk=a1.pk).update(slutdatum=D(2015, 9, 30))  # D2 runs on past it
    code, _, err = run("godkann_ar", "--forbund", forbund_a.organisationsnummer, "--ar", "2015")
    assert code == 1
    assert "1 deltaganden pågår fortfarande fast insatsen har slutat" in err
    assert not Rapportversion.objects.exists() and not Arsgodkannande.objects.exists()
    code, _, err = run(
        "godkann_ar",
        "--forbund",
        forbund_a.organisationsnummer,
        "--ar",
        "2015",
        "--anledning",
        "Handläggaren är sjukskriven; avslutas i januari.",
    )
    assert code == 0, err
    event = Arshandelse.objects.get()
    assert event.anledning == "Handläggaren är sjukskriven; avslutas i januari."
    assert event.beskrivning == "1 deltaganden pågick efter insatsens slut."


# ---------------------------------------------------------------- the lock


def _writes(data, ar: int):
    """Every service that writes a figure of year `ar`; each a callable."""
    a1, v1, s1, d1, d2 = data["a1"], data["v1"], data["s1"], data["d1"], data["d2"]
    forbund = a1.forbund
    medlemskap = Medlemskap.objects.filter(forbund=forbund).first()

    def insats_rename():
        a1.namn = f"Nytt namn {ar}"
        if ar != LOCKED:  # an insats starting in the next year touches only that one
            a1.startdatum = D(ar, 1, 1)
            a1.pk = None
            a1.kod = f"NY-{ar}"
            a1._state.adding = True
        insatser_services.insats_save(insats=a1)

    return {
        "register_person": lambda: deltagare_services.register_person_deltagande(
            user=None,
            insats=a1,
            personnummer=pnr.parse("19121212-1212"),
            samtycke_datum=D(ar, 3, 1),
            startdatum=D(ar, 3, 1),
        ),
        "register_anonymous": lambda: deltagare_services.register_anonymous_deltagande(
            insats=a1, kon="man", startdatum=D(ar, 3, 1)
        ),
        "end_deltagande": lambda: deltagare_services.end_deltagande(
            deltagande=d2, slutdatum=D(ar, 11, 30), avslutsorsak="fullfoljd"
        ),
        "uppfoljning": lambda: deltagare_services.record_uppfoljning(
            deltagande=d1,
            matpunkt=90 if ar == LOCKED else 180,
            datum=D(2016, 1, 29) if ar == LOCKED else D(2016, 4, 28),
            sysselsattning=["arbete"],
            forsorjning=["ingen_offentlig"],
        ),
        "volym": lambda: insatser_services.antal_set(
            model=Volymregistrering,
            insats=v1,
            datum=D(ar, 9, 30),
            antal={"kvinnor": 1, "man": 1, "okant": 0},
        ),
        "strukturdeltagare": lambda: insatser_services.antal_set(
            model=Strukturdeltagare,
            insats=s1,
            datum=D(ar, 9, 30),
            antal={"myndighetspersonal": 5, "arbetsgivare": 0, "ovriga": 0},
        ),
        "ekonomirad": lambda: insatser_services.ekonomirad_set(
            forbund=forbund, ar=ar, rad="adm_personal", budget=1, utfall=1
        ),
        "ekonomirad_remove": lambda: insatser_services.ekonomirad_set(
            forbund=forbund, ar=ar, rad="adm_personal", budget=None, utfall=None
        ),
        "medlemsbidrag": lambda: medlemsbidrag_set(
            medlemskap=medlemskap, ar=ar, beslutat=1000, inbetalt=1000
        ),
        "insats": insats_rename,
    }


WRITES = [
    "register_person",
    "register_anonymous",
    "end_deltagande",
    "uppfoljning",
    "volym",
    "strukturdeltagare",
    "ekonomirad",
    "ekonomirad_remove",
    "medlemsbidrag",
    "insats",
]


def test_every_write_of_a_locked_year_is_refused_and_the_report_stays(forbund_a, data):
    # D1 avslutad earlier, so that its 90-day follow-up falls in 2015 (T15 counts a
    # follow-up in the year of its date).
    Deltagande.objects.filter(pk=data["d1"].pk).update(slutdatum=D(2015, 8, 31))
    data["d1"].refresh_from_db()
    version = _approve(forbund_a)
    writes = _writes(data, LOCKED)
    writes["uppfoljning"] = lambda: deltagare_services.record_uppfoljning(
        deltagande=data["d1"],
        matpunkt=90,
        datum=D(2015, 11, 29),
        sysselsattning=["arbete"],
        forsorjning=["ingen_offentlig"],
    )
    assert list(writes) == WRITES
    for write, call in writes.items():
        with pytest.raises(ValidationError) as refused:
            call()
        message = " ".join(refused.value.messages)
        assert f"År 2015 är godkänt för {forbund_a.namn}" in message, write
        assert "version 1" in message and "Öppna året igen" in message, write
    assert _json(forbund_a) == json.loads(version.fil("json"))


def test_the_same_writes_go_through_in_the_year_after(forbund_a, data):
    _approve(forbund_a)
    for call in _writes(data, LOCKED + 1).values():
        call()
    assert Deltagande.objects.get(pk=data["d2"].pk).slutdatum == D(2016, 11, 30)


def test_an_import_touching_a_locked_year_saves_nothing_and_names_the_rows(
    forbund_a, data, tmp_path
):
    _approve(forbund_a)
    before = list(Ekonomirad.objects.values_list())
    o = forbund_a.organisationsnummer
    path = tmp_path / "ekonomi.csv"
    path.write_text(
        "forbund;ar;rad;insats;budget;utfall\n"
        f"{o};2016;adm_personal;;5000;5000\n"
        f"{o};2015;adm_lokaler;;7000;7000\n"
        f"{o};2014;eget_kapital_ub;;300000;310000\n",
        encoding="utf-8",
    )
    code, _, err = run("import_data", "ekonomi", str(path))
    assert code == 1
    lines = [line for line in err.splitlines() if line.startswith("Rad")]
    # Row 3 (2015) and row 4 (eget kapital at the end of 2014 is 2015's ingående balans).
    assert [line.split(",")[0] for line in lines] == ["Rad 3", "Rad 4"]
    assert all("År 2015 är godkänt" in line for line in lines)
    assert list(Ekonomirad.objects.values_list()) == before


def test_a_deltaganden_import_touching_a_locked_year_saves_nothing(forbund_a, data, tmp_path):
    _approve(forbund_a)
    count = Deltagande.objects.count()
    o = forbund_a.organisationsnummer
    path = tmp_path / "deltaganden.csv"
    header = "forbund;insats;registreringsform;personnummer;samtycke_datum;kon;startdatum;slutdatum"
    path.write_text(
        f"{header}\n{o};A1;anonym;;;man;2016-02-01;\n{o};A1;anonym;;;kvinna;2014-02-01;2015-01-31\n",
        encoding="utf-8",
    )
    code, _, err = run("import_data", "deltaganden", str(path))
    assert code == 1, err
    assert "Rad 3, kolumn startdatum" in err and "År 2015 är godkänt" in err
    assert "Rad 2," not in err
    assert Deltagande.objects.count() == count


# ---------------------------------------------------------------- the law's exceptions


def test_gallring_in_a_locked_year_goes_through_and_keeps_the_approved_report(forbund_a, data):
    version = _approve(forbund_a)
    Deltagande.objects.filter(pk=data["d2"].pk).delete()  # P2: nothing open
    # (deleting it in the database directly: the lock guards the model's delete)
    erased = deltagare_services.gallra(ar=5, today=D(2026, 12, 1))
    assert {p.pk for p in erased} >= {data["p1"].pk}
    data["d1"].refresh_from_db()
    assert data["d1"].registreringsform == "anonym"
    assert _json(forbund_a) == json.loads(version.fil("json"))
    event = Arshandelse.objects.get(handelse=Arshandelse.Handelse.GALLRING)
    assert event.godkannande.ar == LOCKED and event.beskrivning == "1 deltagande blev anonymt."


def test_a_deleted_deltagande_of_a_locked_year_is_refused(forbund_a, data):
    _approve(forbund_a)
    with pytest.raises(ValidationError):
        Deltagande.objects.get(pk=data["d1"].pk).delete()


def test_withdrawn_consent_in_a_locked_year_goes_through_and_is_listed(forbund_a, data):
    version = _approve(forbund_a)
    deltagare_services.withdraw_consent(
        person=data["p1"], deltaganden=[data["d1"]], datum=D(2026, 1, 5)
    )
    assert _json(forbund_a) == json.loads(version.fil("json"))
    event = Arshandelse.objects.get(handelse=Arshandelse.Handelse.ATERKALLELSE)
    assert event.godkannande.ar == LOCKED


def test_t19_of_a_later_year_reads_the_approved_year(forbund_a, data):
    version = _approve(forbund_a)
    approved_t19 = json.loads(version.fil("json"))["tabeller"]["T19"]["rader"]
    approved = {r["kod"]: r["2015"] for r in approved_t19}
    assert approved["person_deltaganden"] == 2
    deltagare_services.withdraw_consent(
        person=data["p1"], deltaganden=[data["d1"]], datum=D(2026, 1, 5)
    )
    later = {r["kod"]: r for r in _json(forbund_a, 2016)["tabeller"]["T19"]["rader"]}
    assert later["person_deltaganden"]["2015"] == 2  # live data would say 1
    assert later["anonyma_deltaganden"]["2015"] == approved["anonyma_deltaganden"] == 1


# ---------------------------------------------------------------- reopening


def test_reopen_change_approve_shows_the_difference_cell_by_cell(forbund_a, data):
    first = _approve(forbund_a)
    code, _, err = run("oppna_ar", "--forbund", forbund_a.organisationsnummer, "--ar", "2015", "--anledning", "")  # fmt: skip
    assert code == 1 and "Ange varför året öppnas igen." in err
    code, out, err = run(
        "oppna_ar",
        "--forbund",
        forbund_a.organisationsnummer,
        "--ar",
        "2015",
        "--anledning",
        "Volymen för juni var fel.",
    )
    assert code == 0, err
    assert out.strip() == f"{forbund_a.namn} 2015: återöppnat (senast godkänd version 1)."
    assert _json(forbund_a)["uppgifter"] == {"status": "preliminara"}
    insatser_services.antal_set(
        model=Volymregistrering,
        insats=data["v1"],
        datum=D(2015, 6, 30),
        antal={"kvinnor": 12, "man": 7, "okant": 2},
    )
    second = _approve(forbund_a)
    assert second.version == 2
    diff = {
        (s.tabell, s.rad, s.kolumn): (s.fore, s.efter)
        for s in godkannande.skillnader(first, second)
    }
    assert diff[("T2", "volym", "kvinnor")] == (10, 12)
    assert diff[("T2", "volym", "totalt")] == (19, 21)
    assert diff[("T2", "individinriktade_totalt", "totalt")] == (22, 24)
    assert ("T2", "person_deltaganden", "totalt") not in diff
    history = [e.handelse for e in Arshandelse.objects.order_by("tid", "pk")]
    assert history == ["godkant", "ateroppnat", "godkant"]


# ---------------------------------------------------------------- län and national reports


def test_national_report_counts_the_approved_forbund_and_lists_the_others(
    forbund_a, forbund_b, data
):
    _approve(forbund_a)
    nationell = godkannande.report_json(
        ar=LOCKED, omfattning=Omfattning("nationell"), undertryck=True
    )["uppgifter"]
    assert nationell["status"] == "preliminara"
    assert (nationell["forbund_aktiva"], nationell["forbund_godkanda"]) == (2, 1)
    assert nationell["ej_godkanda"] == [
        {"kod": forbund_b.organisationsnummer, "namn": forbund_b.namn}
    ]
    lan = godkannande.report_json(
        ar=LOCKED, omfattning=Omfattning("lan", forbund_a.lan), undertryck=True
    )["uppgifter"]
    assert lan == {
        "status": "godkanda",
        "forbund_aktiva": 1,
        "forbund_godkanda": 1,
        "ej_godkanda": [],
    }


def test_suppressed_report_of_an_approved_year_comes_from_the_approved_tables(forbund_a, data):
    _approve(forbund_a)
    approved = _json(forbund_a, undertryck=True)
    assert approved["undertryckt"] is True and approved["uppgifter"]["status"] == "godkanda"
    deltagare_services.withdraw_consent(
        person=data["p1"], deltaganden=[data["d1"]], datum=D(2026, 1, 5)
    )
    assert _json(forbund_a, undertryck=True) == approved


def test_stored_tables_render_the_same_json_as_when_built(forbund_a, data):
    rapport, status = godkannande.rapport_for(
        ar=LOCKED, omfattning=Omfattning("forbund", forbund_a.organisationsnummer), undertryck=True
    )
    from rapporter.renderers import to_json

    again = rapport_module.from_state(json.loads(json.dumps(rapport_module.state(rapport))))
    assert to_json(again, status) == to_json(rapport, status)
    assert again.tabeller["T2"].andelsbas == rapport.tabeller["T2"].andelsbas
    assert again.tabeller["T2"].andel_undertryckta == rapport.tabeller["T2"].andel_undertryckta
