"""Database rules of the participant register (constraints hold whatever the form does)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from deltagare import pnr
from deltagare.models import Deltagande, Person, Uppfoljning
from tests.factories import InsatsFactory

pytestmark = pytest.mark.django_db

NUMMER = "19900101-0017"


@pytest.fixture
def insats(forbund_a):
    return InsatsFactory(forbund=forbund_a, startdatum=dt.date(2015, 1, 1), slutdatum=None)


@pytest.fixture
def person(forbund_a):
    person = Person(forbund=forbund_a)
    person.set_personnummer(pnr.parse(NUMMER))
    person.save()
    return person


def _deltagande(insats, **kwargs) -> Deltagande:
    values = {
        "insats": insats,
        "registreringsform": "anonym",
        "kon": "kvinna",
        "startdatum": dt.date(2015, 3, 1),
    }
    values.update(kwargs)
    return Deltagande.objects.create(**values)


def _rejected(**kwargs) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        _deltagande(**kwargs)


def test_person_holds_no_clear_personnummer(person):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM deltagare_person")
        rows = cursor.fetchall()
    dump = repr(rows)
    assert "199001010017" not in dump and "900101" not in dump
    assert person.kon == "man"
    assert person.fodelsedatum == dt.date(1990, 1, 1)
    assert Person.objects.get(pk=person.pk).personnummer() == "199001010017"


def test_one_person_per_forbund_and_number(person, forbund_a):
    again = Person(forbund=forbund_a)
    again.set_personnummer(pnr.parse("900101-0017"))
    with pytest.raises(IntegrityError), transaction.atomic():
        again.save()


def test_erased_persons_keep_no_data_and_do_not_collide(person, forbund_a):
    for p in (person, Person.objects.create(forbund=forbund_a, kon="kvinna")):
        Person.objects.filter(pk=p.pk).update(
            pnr_krypterat=None, pnr_hash=None, fodelsedatum=None, raderad=dt.datetime.now(dt.UTC)
        )
    assert Person.objects.filter(pnr_hash__isnull=True).count() == 2


def test_half_erased_person_is_refused(forbund_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(forbund=forbund_a, kon="man", pnr_krypterat="x")


def test_person_registration_needs_a_person_and_anonymous_has_none(insats, person):
    _rejected(insats=insats, registreringsform="person")
    _rejected(insats=insats, registreringsform="anonym", person=person)
    assert _deltagande(insats, registreringsform="person", person=person, kon="man")


def test_anonymous_registration_carries_only_kon_and_dates(insats):
    _rejected(insats=insats, utbildningsniva="gymnasial")
    _rejected(insats=insats, forsorjning_fore=["aktivitetsstod"])
    assert _deltagande(insats, slutdatum=dt.date(2015, 6, 1), avslutsorsak="fullfoljd")


def test_end_not_before_start_and_end_data_needs_an_end(insats, person):
    _rejected(insats=insats, slutdatum=dt.date(2015, 2, 28))
    _rejected(insats=insats, avslutsorsak="flytt")
    _rejected(
        insats=insats,
        registreringsform="person",
        person=person,
        kon="man",
        sysselsattning_efter=["arbete"],
    )


def test_one_open_deltagande_per_person_and_insats(insats, person):
    _deltagande(insats, registreringsform="person", person=person, kon="man")
    _rejected(insats=insats, registreringsform="person", person=person, kon="man")
    Deltagande.objects.filter(person=person).update(slutdatum=dt.date(2015, 5, 1))
    assert _deltagande(insats, registreringsform="person", person=person, kon="man")


def test_ingen_offentlig_excludes_the_other_codes(insats, person):
    common = {"insats": insats, "registreringsform": "person", "person": person, "kon": "man"}
    _rejected(**common, forsorjning_fore=["ingen_offentlig", "a_kassa"])
    ok = _deltagande(**common, forsorjning_fore=["ingen_offentlig"], slutdatum=dt.date(2015, 9, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Uppfoljning.objects.create(
            deltagande=ok,
            matpunkt=90,
            datum=dt.date(2015, 12, 1),
            sysselsattning=["arbete"],
            forsorjning=["ingen_offentlig", "studiestod"],
        )
    Uppfoljning.objects.create(
        deltagande=ok, matpunkt=90, datum=dt.date(2015, 12, 1), forsorjning=["ingen_offentlig"]
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Uppfoljning.objects.create(deltagande=ok, matpunkt=90, datum=dt.date(2015, 12, 2))
