"""COPY inserts write what save() would, with keys that never collide."""

from __future__ import annotations

import datetime as dt

import pytest

from deltagare import pnr
from deltagare.choices import Forsorjning
from deltagare.models import Deltagande, Person
from finsam.lib.bulk import copy_insert, copy_insert_values, reserve_ids
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
            # A code list's members, as forms and generate_data give them, and plain text.
            forsorjning_fore=[Forsorjning.A_KASSA, "sjukpenning"],
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


# The columns whose value is each row's own: the key, a fresh uuid, the time of the write.
_OWN = {"id", "public_id", "skapad", "andrad"}


def _columns(model, pk) -> dict:
    row = model.objects.filter(pk=pk).values()[0]
    return {k: v for k, v in row.items() if k not in _OWN}


def test_copied_values_land_as_a_saved_instance_of_the_same_values(forbund_a):
    insats = InsatsFactory(forbund=forbund_a)
    parsed = pnr.parse("19900101-0017")
    person = Person(forbund=forbund_a)
    person.set_personnummer(parsed)
    person.save()
    # Array elements that PostgreSQL's array literal must quote or escape.
    awkward = ['a "citat"', "bak\\snedstreck", "komma, {klammer}", "", "NULL"]
    values = {
        "insats_id": insats.pk,
        "registreringsform": "person",
        "person_id": person.pk,
        "kon": "man",
        "startdatum": dt.date(2024, 1, 1),
        "slutdatum": dt.date(2024, 6, 30),
        "forsorjning_fore": ["a_kassa", "sjukpenning"],
        "sysselsattning_fore": awkward,
        "avslutsorsak": "fullfoljd",
    }
    saved = Deltagande.objects.create(**values)

    assert copy_insert_values(Deltagande, list(values), [tuple(values.values())]) == 1
    [copied] = Deltagande.objects.exclude(pk=saved.pk).values_list("pk", flat=True)
    expected = _columns(Deltagande, saved.pk)
    assert _columns(Deltagande, copied) == expected
    assert expected["sysselsattning_fore"] == awkward
    # Derived by the database, as for a saved row.
    assert expected["alder"] == 34 and expected["individ"]

    row = Deltagande.objects.get(pk=copied)
    assert row.public_id != saved.public_id
    assert row.skapad == row.andrad and row.skapad >= saved.skapad


def test_copied_values_get_defaults_own_uuids_and_fresh_keys(forbund_a):
    insats = InsatsFactory(forbund=forbund_a)
    fields = ("insats_id", "registreringsform", "kon", "startdatum", "importrad")
    rows = [(insats.pk, "anonym", "kvinna", dt.date(2024, 1, 1), n) for n in (2, 3)]
    assert copy_insert_values(Deltagande, fields, rows) == 2
    copied = list(Deltagande.objects.order_by("importrad"))
    ids = [d.pk for d in copied]
    assert [d.importrad for d in copied] == [2, 3]
    assert copied[0].public_id != copied[1].public_id
    assert copied[0].forsorjning_fore == [] and copied[0].slutdatum is None
    assert copied[0].utbildningsniva == "" and copied[0].uppfoljda == []
    later = Deltagande.objects.create(
        insats=insats, registreringsform="anonym", kon="man", startdatum=dt.date(2024, 3, 1)
    )
    assert later.pk not in ids


def test_a_person_copied_with_its_known_hash_is_found_and_decrypts(forbund_a):
    parsed = pnr.parse("19900101-0017")
    digest = pnr.lookup_hash(parsed.nummer)
    [pk] = reserve_ids(Person, 1)
    copy_insert_values(
        Person,
        ("id", "forbund_id", *Person.PERSONNUMMER_FIELDS),
        [(pk, forbund_a.pk, *Person.personnummer_values(parsed, pnr_hash=digest))],
    )
    person = Person.objects.get(forbund=forbund_a, pnr_hash=digest)
    assert person.pk == pk and person.personnummer() == "199001010017"
    assert (person.kon, person.fodelsedatum) == ("man", dt.date(1990, 1, 1))
    assert person.skapad is not None


@pytest.mark.parametrize(
    ("fields", "row"),
    [
        (("skapad",), (None,)),  # set on save: giving it would not be what save() writes
        (("finns_inte",), (1,)),
        (("kon", "kon"), ("man", "man")),
        (("kon",), ("man", "kvinna")),  # a row of the wrong length
    ],
)
def test_values_that_save_would_not_write_are_refused(fields, row):
    with pytest.raises(ValueError):
        copy_insert_values(Deltagande, fields, [row])
    assert not Deltagande.objects.exists()


def test_no_values_write_nothing():
    assert copy_insert_values(Deltagande, ("kon",), []) == 0
