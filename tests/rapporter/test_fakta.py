"""The stored facts follow every write (rapporter/fakta.py): a write makes the facts of its
förbund's years stale, a report then counts live and says so, and after the worker's task
the report reads the stored facts again, with the new numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from deltagare import pnr
from deltagare.models import Deltagande, Person, Uppfoljning
from deltagare.services import end_deltagande, register_anonymous_deltagande, withdraw_consent
from finsam.lib.bulk import copy_insert
from forbund.models import Folkmangd, Medlemsbidrag, Medlemskap
from insatser.models import Behovsgrupp, Ekonomirad
from insatser.services import insats_close
from rapporter import uppdatering
from rapporter.tabeller import Omfattning, build
from rapporter.tasks import uppdatera_fakta
from tests.factories import (
    EkonomiradFactory,
    ForbundFactory,
    InsatsFactory,
    MedlemsbidragFactory,
    StrukturdeltagareFactory,
    VolymregistreringFactory,
)

pytestmark = pytest.mark.django_db

Y = timezone.localdate().year  # the worker keeps the recent years
D = dt.date


def _t2(omfattning: Omfattning) -> tuple[str, dict]:
    rapport = build(ar=Y, omfattning=omfattning, undertryck=False)
    rows = {r["kod"]: r["totalt"] for r in rapport.tabeller["T2"].rader}
    return rapport.fakta[Y], rows


def _scopes(forbund) -> list[Omfattning]:
    return [
        Omfattning("forbund", forbund.organisationsnummer),
        Omfattning("lan", forbund.lan),
        Omfattning("nationell"),
    ]


def _refresh() -> None:
    uppdatering.uppdatera(range(Y - 1, Y + 1))


def test_the_worker_task_brings_a_form_write_into_the_stored_facts(forbund_a):
    insats = InsatsFactory(forbund=forbund_a, startdatum=D(Y, 1, 1))
    uppdatera_fakta()  # as beat runs it
    assert _t2(Omfattning("nationell")) == ("lagrade", pytest.approx(_t2_live()))
    register_anonymous_deltagande(insats=insats, kon="kvinna", startdatum=D(Y, 1, 2))
    for omfattning in _scopes(forbund_a):
        kalla, rows = _t2(omfattning)
        assert (kalla, rows["anonyma_deltaganden"]) == ("beraknade", 1)
    assert uppdatera_fakta() >= 3  # the förbund, its län and the nation, at least
    for omfattning in _scopes(forbund_a):
        kalla, rows = _t2(omfattning)
        assert (kalla, rows["anonyma_deltaganden"]) == ("lagrade", 1)


def _t2_live() -> dict:
    settings.FINSAM_RAPPORTFAKTA = False
    try:
        return _t2(Omfattning("nationell"))[1]
    finally:
        settings.FINSAM_RAPPORTFAKTA = True


def _person(forbund) -> Person:
    p = Person(forbund=forbund)
    p.set_personnummer(pnr.parse("19900615-0107"))
    p.save()
    return p


def _deltagande(insats, startdatum: dt.date, **fields) -> Deltagande:
    """A deltagande with personal data of a new person of the insats's förbund."""
    person = _person(insats.forbund)
    return Deltagande.objects.create(
        insats=insats,
        registreringsform="person",
        person=person,
        kon=person.kon,
        startdatum=startdatum,
        **fields,
    )


@pytest.mark.parametrize(
    "write",
    ["avslut", "aterkallat_samtycke", "insats_avslutad", "lan_bytt", "copy", "borttagen"],
)
def test_every_kind_of_write_makes_the_facts_stale(forbund_a, forbund_b, write):
    insats = InsatsFactory(forbund=forbund_a, startdatum=D(Y - 1, 1, 1))
    d = _deltagande(insats, D(Y - 1, 3, 1), forsorjning_fore=["a_kassa"])
    _refresh()
    before = _t2(Omfattning("forbund", forbund_a.organisationsnummer))
    assert before[0] == "lagrade" and before[1]["person_deltaganden"] == 1
    if write == "avslut":
        end_deltagande(deltagande=d, slutdatum=D(Y, 1, 5), avslutsorsak="flytt")
    elif write == "aterkallat_samtycke":
        withdraw_consent(person=d.person, deltaganden=[d], datum=D(Y, 1, 5))
    elif write == "insats_avslutad":
        insats_close(insats=insats, datum=timezone.localdate())
    elif write == "lan_bytt":
        forbund_a.lan = forbund_b.lan
        forbund_a.save()
    elif write == "copy":
        copy_insert(
            Deltagande,
            [
                Deltagande(
                    insats=insats, registreringsform="anonym", kon="man", startdatum=D(Y, 1, 1)
                )
            ],
        )
    else:
        d.delete()
    omfattning = Omfattning("forbund", forbund_a.organisationsnummer)
    assert _t2(omfattning)[0] == "beraknade"
    live = _t2(omfattning)[1]
    _refresh()
    assert _t2(omfattning) == ("lagrade", live)


def _tables(omfattning: Omfattning) -> tuple[str, dict]:
    rapport = build(ar=Y, omfattning=omfattning, undertryck=False)
    tables = {kod: t.as_json() for kod, t in rapport.tabeller.items()}
    if rapport.insatskatalog:
        tables["insatskatalog"] = rapport.insatskatalog.as_json()
    return rapport.fakta[Y], tables


@pytest.mark.parametrize(
    "write",
    [
        "ekonomirad",
        "volym",
        "struktur",
        "uppfoljning",
        "ny_insats",
        "behovsgrupp",
        "medlemsbidrag",
        "folkmangd",
        "nytt_forbund",
    ],
)
def test_a_write_to_what_else_the_tables_read_makes_them_stale(forbund_a, write):
    """The stored tables hold T0, T1, T13–T15, T17, T18 and the catalogue too: a write to
    what they read makes the year stale, the report is built live and says so, and the
    worker's refresh brings the new figures into the stored tables."""
    insats = InsatsFactory(forbund=forbund_a, startdatum=D(Y - 1, 1, 1))
    d = _deltagande(insats, D(Y - 1, 3, 1))
    _refresh()
    scopes = [Omfattning("nationell"), Omfattning("forbund", forbund_a.organisationsnummer)]
    before = {o: _tables(o) for o in scopes}
    assert {kalla for kalla, _ in before.values()} == {"lagrade"}
    if write == "ekonomirad":
        EkonomiradFactory(forbund=forbund_a, ar=Y, rad="adm_personal", budget=5_000)
    elif write == "volym":
        volym = InsatsFactory(
            forbund=forbund_a, deltagarregistrering="volym", startdatum=D(Y, 1, 1)
        )
        _refresh()  # (the new insats is a write of its own)
        before = {o: _tables(o) for o in scopes}
        VolymregistreringFactory(insats=volym, datum=D(Y, 3, 31), kvinnor=7)
    elif write == "struktur":
        struktur = InsatsFactory(
            forbund=forbund_a, niva="struktur", typ="dialog", startdatum=D(Y, 1, 1)
        )
        _refresh()
        before = {o: _tables(o) for o in scopes}
        StrukturdeltagareFactory(insats=struktur, datum=D(Y, 3, 31), arbetsgivare=6)
    elif write == "uppfoljning":
        Uppfoljning.objects.create(deltagande=d, matpunkt=90, datum=D(Y, 2, 1))
    elif write == "ny_insats":
        InsatsFactory(forbund=forbund_a, startdatum=D(Y, 2, 1))
    elif write == "behovsgrupp":
        insats.behovsgrupper.add(Behovsgrupp.objects.first())
    elif write == "medlemsbidrag":
        medlemskap = Medlemskap.objects.filter(forbund=forbund_a).first()
        Medlemsbidrag.objects.filter(medlemskap=medlemskap, ar=Y).delete()
        MedlemsbidragFactory(medlemskap=medlemskap, ar=Y, beslutat=90_000, inbetalt=80_000)
    elif write == "folkmangd":
        EkonomiradFactory(forbund=forbund_a, ar=Y, rad="adm_personal", budget=1_000_000)
        _refresh()  # (a cost to divide by the population)
        before = {o: _tables(o) for o in scopes}
        kommun = Medlemskap.objects.filter(forbund=forbund_a, kommun__isnull=False).first().kommun
        Folkmangd.objects.update_or_create(kommun=kommun, ar=Y, defaults={"folkmangd": 12_345})
    else:
        ForbundFactory(lan=forbund_a.lan)
        scopes = scopes[:1]
    live = {o: _tables(o) for o in scopes}
    assert {kalla for kalla, _ in live.values()} == {"beraknade"}
    assert any(live[o][1] != before[o][1] for o in scopes)  # a write the tables count
    _refresh()
    for omfattning in scopes:
        assert _tables(omfattning) == ("lagrade", live[omfattning][1])


def _tables_of(ar: int, omfattning: Omfattning, *, live: bool = False) -> tuple[str, dict]:
    settings.FINSAM_RAPPORTFAKTA = not live
    try:
        rapport = build(ar=ar, omfattning=omfattning, undertryck=False)
    finally:
        settings.FINSAM_RAPPORTFAKTA = True
    # The year's own tables (T19 reads the years before too).
    tables = {kod: t.as_json() for kod, t in rapport.tabeller.items() if kod != "T19"}
    if rapport.insatskatalog:
        tables["insatskatalog"] = rapport.insatskatalog.as_json()
    return rapport.fakta[ar], tables


@pytest.mark.parametrize(
    ("write", "stale", "changed"),
    [
        ("ekonomirad", {Y - 2}, {Y - 2}),
        ("eget_kapital", {Y - 2, Y - 1}, {Y - 2, Y - 1}),
        ("volym", {Y - 1}, {Y - 1}),
        ("struktur", {Y - 1}, {Y - 1}),
        # (a follow-up also updates its deltagande's `uppfoljda`: a deltagande write)
        ("uppfoljning", {Y - 2, Y - 1}, {Y - 1}),
        ("medlemsbidrag", {Y - 1}, {Y - 1}),
        ("folkmangd", {Y - 1, Y}, {Y - 1, Y}),
    ],
)
def test_a_dated_write_makes_only_the_years_it_changes_stale(forbund_a, write, stale, changed):
    """A write read in some years only marks those: after it, each kept year's stored
    tables are either still current and equal to a live build, or stale, every year whose
    tables the write changes is stale and the others stay current. Nothing is refreshed
    in between (T19, which reads the years before, is left out of the comparison)."""
    years = range(Y - 2, Y + 1)
    insats = InsatsFactory(forbund=forbund_a, startdatum=D(Y - 2, 1, 1))
    volym = InsatsFactory(
        forbund=forbund_a, deltagarregistrering="volym", startdatum=D(Y - 2, 1, 1)
    )
    struktur = InsatsFactory(
        forbund=forbund_a, niva="struktur", typ="dialog", startdatum=D(Y - 2, 1, 1)
    )
    d = _deltagande(insats, D(Y - 2, 3, 1), slutdatum=D(Y - 2, 6, 1))
    for ar in years:  # a cost in each year, to divide by the population
        EkonomiradFactory(forbund=forbund_a, ar=ar, rad="adm_personal", budget=1_000_000)
    uppdatering.uppdatera(years)
    scopes = _scopes(forbund_a)
    before = {(o, ar): _tables_of(ar, o) for o in scopes for ar in years}
    assert {kalla for kalla, _ in before.values()} == {"lagrade"}
    if write == "ekonomirad":
        Ekonomirad.objects.filter(forbund=forbund_a, ar=Y - 2).update(budget=5_000)
    elif write == "eget_kapital":
        EkonomiradFactory(forbund=forbund_a, ar=Y - 2, rad="eget_kapital_ub", utfall=70_000)
    elif write == "volym":
        VolymregistreringFactory(insats=volym, datum=D(Y - 1, 3, 31), kvinnor=7)
    elif write == "struktur":
        StrukturdeltagareFactory(insats=struktur, datum=D(Y - 1, 3, 31), arbetsgivare=6)
    elif write == "uppfoljning":
        Uppfoljning.objects.create(deltagande=d, matpunkt=90, datum=D(Y - 1, 2, 1))
    elif write == "medlemsbidrag":
        medlemskap = Medlemskap.objects.filter(forbund=forbund_a).first()
        Medlemsbidrag.objects.filter(medlemskap=medlemskap, ar=Y - 1).delete()
        MedlemsbidragFactory(medlemskap=medlemskap, ar=Y - 1, beslutat=90_000, inbetalt=80_000)
    else:
        kommun = Medlemskap.objects.filter(forbund=forbund_a, kommun__isnull=False).first().kommun
        Folkmangd.objects.filter(kommun=kommun, ar__gte=Y - 1).delete()
        Folkmangd.objects.create(kommun=kommun, ar=Y - 1, folkmangd=12_345)
    for omfattning in scopes:
        andrade = set()
        for ar in years:
            kalla, tables = _tables_of(ar, omfattning)
            live = _tables_of(ar, omfattning, live=True)[1]
            if kalla == "lagrade":
                assert tables == live, (omfattning, ar)  # current means right
            if live != before[(omfattning, ar)][1]:
                andrade.add(ar)
            assert (kalla == "beraknade") == (ar in stale), (omfattning, ar)
        assert andrade == changed, omfattning  # the write does change those years


@pytest.mark.parametrize("write", ["namn", "behovsgrupp", "medlemskap", "forbund"])
def test_an_edit_of_what_every_year_reads_makes_only_its_active_years_stale(forbund_a, write):
    """An insats, its behovsgrupper, a membership and the förbund are read in the years
    they are active in (no longer "every year"): an edit of one active in Y-2 only (the
    förbund: formed in Y-1) leaves the other kept years current, and right."""
    years = range(Y - 2, Y + 1)
    kort = InsatsFactory(forbund=forbund_a, startdatum=D(Y - 2, 1, 1), slutdatum=D(Y - 2, 12, 31))
    _deltagande(kort, D(Y - 2, 3, 1), slutdatum=D(Y - 2, 6, 1))
    medlemskap = Medlemskap.objects.filter(forbund=forbund_a, kommun__isnull=False).first()
    medlemskap.intrade, medlemskap.uttrade = D(Y - 2, 1, 1), D(Y - 2, 12, 31)
    medlemskap.save()
    if write == "forbund":
        forbund_a.bildad = D(Y - 1, 1, 1)
        forbund_a.save()
    uppdatering.uppdatera(years)
    stale = {Y - 2}
    if write == "namn":
        kort.namn = "Nytt namn"
        kort.save()
    elif write == "behovsgrupp":
        kort.behovsgrupper.add(Behovsgrupp.objects.first())
    elif write == "medlemskap":
        medlemskap.uttrade = D(Y - 2, 9, 30)
        medlemskap.save()
    else:
        forbund_a.namn = "Nytt förbundsnamn"
        forbund_a.save()
        stale = {Y - 1, Y}
    for omfattning in _scopes(forbund_a):
        for ar in years:
            kalla, tables = _tables_of(ar, omfattning)
            assert (kalla == "beraknade") == (ar in stale), (write, omfattning, ar)
            if kalla == "lagrade":
                assert tables == _tables_of(ar, omfattning, live=True)[1], (omfattning, ar)


def test_the_worker_task_looks_cheaply_and_counts_after_a_write(forbund_a):
    """The task counts nothing when nothing changed since its last complete run, and
    counts the written förbund's years (its scopes) after a write."""
    insats = InsatsFactory(forbund=forbund_a, startdatum=D(Y, 1, 1))
    uppdatera_fakta()
    assert uppdatera_fakta() == 0
    register_anonymous_deltagande(insats=insats, kon="man", startdatum=D(Y, 1, 2))
    assert uppdatera_fakta() >= 3
    assert uppdatera_fakta() == 0
    assert _t2(Omfattning("forbund", forbund_a.organisationsnummer))[0] == "lagrade"


def _suppressed_t19(omfattning: Omfattning, *, live: bool = False) -> tuple[set, dict, int]:
    """A suppressed report's sources, its T19 and how many queries it took."""
    settings.FINSAM_RAPPORTFAKTA = not live
    try:
        with CaptureQueriesContext(connection) as queries:
            rapport = build(ar=Y, omfattning=omfattning, undertryck=True)
    finally:
        settings.FINSAM_RAPPORTFAKTA = True
    return set(rapport.fakta.values()), rapport.tabeller["T19"].as_json(), len(queries)


def test_a_suppressed_report_reads_its_earlier_years_figures_stored(forbund_a):
    """T19 of a suppressed report states each earlier year as that year's own suppressed
    report does. The worker stores those figures with the year's facts, so with current
    facts the report does not build the four earlier reports again, and its T19 is the
    live one cell by cell, small suppressed counts included. Stored figures are of one
    threshold: under another, the earlier reports are built again."""
    insats = InsatsFactory(forbund=forbund_a, startdatum=D(Y - 4, 1, 1))
    # Per year a number of anonymous women within the year: 4 is hidden under the
    # threshold of 5 and shown under 3.
    for ar, antal in zip(range(Y - 4, Y + 1), (9, 4, 12, 4, 7), strict=True):
        for _ in range(antal):
            register_anonymous_deltagande(
                insats=insats,
                kon="kvinna",
                startdatum=D(ar, 2, 1),
                slutdatum=D(ar, 10, 1),
            )
    uppdatering.uppdatera(range(Y - 4, Y + 1))
    for omfattning in _scopes(forbund_a):
        kallor, t19, stored_queries = _suppressed_t19(omfattning)
        assert kallor == {"lagrade"}
        assert t19 == _suppressed_t19(omfattning, live=True)[1], omfattning
        anonyma = next(r for r in t19["rader"] if r["kod"] == "anonyma_deltaganden")
        assert anonyma[str(Y - 3)] is None and anonyma[str(Y - 2)] == 12, anonyma

        settings.FINSAM_UNDERTRYCK_GRANS = 3
        try:
            kallor, t19_3, rebuilt_queries = _suppressed_t19(omfattning)
            assert t19_3 == _suppressed_t19(omfattning, live=True)[1], omfattning
        finally:
            settings.FINSAM_UNDERTRYCK_GRANS = 5
        assert kallor == {"lagrade"}  # the deltagande facts are still the stored ones
        anonyma = next(r for r in t19_3["rader"] if r["kod"] == "anonyma_deltaganden")
        assert anonyma[str(Y - 3)] == 4, anonyma
        # Four reports built again: each reads its insatser, ekonomi, volumes and more.
        assert rebuilt_queries >= stored_queries + 4 * 10, (stored_queries, rebuilt_queries)
