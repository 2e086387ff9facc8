"""COPY inserts write what save() would, with keys that never collide."""

from __future__ import annotations

import datetime as dt

import pytest

from deltagare import pnr
from deltagare.models import Deltagande, Person
from finsam.lib.bulk import copy_insert
from tests.factories import InsatsFactory

pytestmark = pytest.mark.django_db


def test_copied_rows_read_back_as_saved_rows_and_later_inserts_get_new_keys(forbund_a):
    insats = InsatsFactory(forbund=forbund_a)
    person = Person(forbund=forbund_a)
    person.set_personnummer(pnr.parse("19900101-0017"))
    deltaganden = [
        Deltagande(
            insats=insats,
            registreringsform="person",
            person=person,
            startdatum=dt.date(2024, 1, 1),
            forsorjning_fore=["a_kassa", "sjukpenning"],
        ),
        Deltagande(
            insats=insats, registreringsform="anonym", kon="kvinna", startdatum=dt.date(2024, 2, 1)
        ),
    ]
    assert copy_insert(Person, [person]) == 1
    assert person.pk is not None  # taken from the sequence: the deltaganden can refer to it
    assert copy_insert(Deltagande, deltaganden) == 2

    saved = Deltagande.objects.get(pk=deltaganden[0].pk)
    assert saved.person == person
    assert saved.forsorjning_fore == ["a_kassa", "sjukpenning"]
    assert saved.skapad is not None and saved.public_id == deltaganden[0].public_id
    assert Person.objects.get(pk=person.pk).personnummer() == "199001010017"  # decrypts

    later = Deltagande.objects.create(
        insats=insats, registreringsform="anonym", kon="man", startdatum=dt.date(2024, 3, 1)
    )
    assert later.pk not in {d.pk for d in deltaganden}
    assert Deltagande.objects.count() == 3


def test_nothing_to_copy_writes_nothing():
    assert copy_insert(Deltagande, []) == 0
