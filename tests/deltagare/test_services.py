"""The register's writes and the access rule for deltaganden."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from deltagare import pnr, services
from deltagare.models import Atkomstlogg, Deltagande, Person, Samtycke, Uppfoljning
from forbund.choices import Roll
from insatser.models import InsatsUppdrag
from tests.factories import InsatsFactory, UppdragFactory

pytestmark = pytest.mark.django_db

NUMMER = "19900101-0017"


@pytest.fixture
def insats(forbund_a, handlaggare_a):
    insats = InsatsFactory(
        forbund=forbund_a, startdatum=dt.date(2015, 1, 1), slutdatum=dt.date(2016, 12, 31)
    )
    InsatsUppdrag.objects.create(insats=insats, uppdrag=handlaggare_a.uppdrag.get())
    return insats


def _register(insats, user, **kwargs):
    values = {
        "user": user,
        "insats": insats,
        "personnummer": pnr.parse(NUMMER),
        "samtycke_datum": dt.date(2015, 3, 1),
        "startdatum": dt.date(2015, 3, 1),
        "profil": services.Startprofil(
            utbildningsniva="gymnasial", forsorjning_fore=["aktivitetsstod", "a_kassa"]
        ),
    }
    values.update(kwargs)
    return services.register_person_deltagande(**values)


def test_registering_stores_the_person_encrypted_with_consent(insats, handlaggare_a):
    deltagande = _register(insats, handlaggare_a, sekretess_samtycke=True)
    assert deltagande.kon == "man" and deltagande.person.fodelsedatum == dt.date(1990, 1, 1)
    assert sorted(Samtycke.objects.values_list("syfte", flat=True)) == ["registrering", "sekretess"]
    with connection.cursor() as cursor:
        for table in ("deltagare_person", "deltagare_deltagande", "deltagare_samtycke"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
            assert "900101" not in repr(cursor.fetchall())


def test_the_same_person_is_found_again_by_number_only(insats, handlaggare_a):
    first = _register(insats, handlaggare_a)
    services.end_deltagande(deltagande=first, slutdatum=dt.date(2015, 6, 1), avslutsorsak="flytt")
    second = _register(insats, handlaggare_a, startdatum=dt.date(2015, 8, 1))
    assert second.person_id == first.person_id
    assert Person.objects.count() == 1
    found = services.find_person(forbund=insats.forbund, personnummer=pnr.parse("900101-0017"))
    assert found == first.person


def test_a_second_open_deltagande_is_refused_with_nothing_saved(insats, handlaggare_a):
    _register(insats, handlaggare_a)
    with pytest.raises(ValidationError, match="redan ett pågående"):
        _register(insats, handlaggare_a, startdatum=dt.date(2015, 4, 1))
    assert Deltagande.objects.count() == 1
    assert Samtycke.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"startdatum": dt.date(2014, 12, 31)}, "startdatum"),
        ({"startdatum": dt.date(2017, 1, 1), "samtycke_datum": dt.date(2017, 1, 1)}, "startdatum"),
        ({"samtycke_datum": dt.date(2015, 3, 2)}, "samtycke_datum"),
        (
            {"profil": services.Startprofil(forsorjning_fore=["ingen_offentlig", "a_kassa"])},
            "forsorjning_fore",
        ),
    ],
)
def test_invalid_registrations_save_nothing(insats, handlaggare_a, kwargs, field):
    with pytest.raises(ValidationError) as caught:
        _register(insats, handlaggare_a, **kwargs)
    assert field in caught.value.message_dict
    assert not Person.objects.exists() and not Deltagande.objects.exists()


def test_volume_and_structural_insatser_take_no_individuals(forbund_a, handlaggare_a):
    volym = InsatsFactory(forbund=forbund_a, deltagarregistrering="volym")
    with pytest.raises(ValidationError, match="var för sig"):
        _register(volym, handlaggare_a)


def test_withdrawn_consent_makes_deltaganden_anonymous_and_erases_the_person(insats, handlaggare_a):
    deltagande = _register(insats, handlaggare_a)
    services.end_deltagande(
        deltagande=deltagande,
        slutdatum=dt.date(2015, 9, 1),
        avslutsorsak="fullfoljd",
        sysselsattning_efter=["arbete"],
        forsorjning_efter=["ingen_offentlig"],
    )
    Uppfoljning.objects.create(deltagande=deltagande, matpunkt=90, datum=dt.date(2015, 12, 1))
    person = deltagande.person
    result = services.withdraw_consent(
        person=person, deltaganden=[deltagande], datum=dt.date(2016, 1, 10)
    )
    assert (result.anonymiserade, result.raderad) == (1, True)
    deltagande.refresh_from_db()
    person.refresh_from_db()
    assert deltagande.registreringsform == "anonym" and deltagande.person is None
    assert (deltagande.kon, deltagande.startdatum, deltagande.slutdatum) == (
        "man",
        dt.date(2015, 3, 1),
        dt.date(2015, 9, 1),
    )
    assert deltagande.avslutsorsak == "fullfoljd"
    assert deltagande.utbildningsniva == "" and deltagande.sysselsattning_efter == []
    assert not Uppfoljning.objects.exists()
    assert person.pnr_krypterat is None and person.pnr_hash is None and person.raderad
    assert person.fodelsedatum is None
    assert Samtycke.objects.get().aterkallat == dt.date(2016, 1, 10)
    # The number is free again: a new registration is a new person.
    _register(
        insats, handlaggare_a, startdatum=dt.date(2016, 2, 1), samtycke_datum=dt.date(2016, 2, 1)
    )
    assert Person.objects.count() == 2


def test_anonymous_registration(insats):
    deltagande = services.register_anonymous_deltagande(
        insats=insats, kon="kvinna", startdatum=dt.date(2015, 5, 1)
    )
    assert deltagande.person is None and deltagande.registreringsform == "anonym"
    services.end_deltagande(
        deltagande=deltagande,
        slutdatum=dt.date(2015, 6, 1),
        avslutsorsak="fullfoljd",
        sysselsattning_efter=["arbete"],
    )
    deltagande.refresh_from_db()
    assert deltagande.sysselsattning_efter == []  # anonymous ones carry no outcome codes


def test_access_personal_data_only_for_the_insats_handlaggare(
    insats, handlaggare_a, admin_a, admin_b, radet, administrator, forbund_a
):
    deltagande = _register(insats, handlaggare_a)
    other_coach = UppdragFactory(roll=Roll.HANDLAGGARE, forbund=forbund_a).user

    def sees(user, personal):
        # The same rule whether the insatser are joined or looked up first (the ids
        # the work list's statements are scoped by).
        found = list(Deltagande.objects.for_user(user, personal=personal))
        insatser = Deltagande.objects.insatser_for_user(user, personal=personal)
        assert found == list(Deltagande.objects.filter(insats__in=insatser))
        return found == [deltagande]

    assert sees(handlaggare_a, personal=True)
    assert sees(handlaggare_a, personal=False)
    assert sees(admin_a, personal=False)
    assert not sees(admin_a, personal=True)
    for outsider in (other_coach, admin_b, radet, administrator):
        assert not sees(outsider, personal=True)
        assert not sees(outsider, personal=False)


def test_log_access_records_who_saw_whom(insats, handlaggare_a):
    deltagande = _register(insats, handlaggare_a)
    entry = services.log_access(
        user=handlaggare_a,
        person=deltagande.person,
        deltagande=deltagande,
        sida="/deltagare/x/",
        anledning="Visade deltagandet",
    )
    assert Atkomstlogg.objects.get() == entry
    assert entry.forbund_id == insats.forbund_id
    shown = entry.visningar.get()
    assert (shown.person, shown.deltagande) == (deltagande.person, deltagande)


def test_a_list_page_is_one_entry_listing_everyone_shown(insats, handlaggare_a):
    first = _register(insats, handlaggare_a)
    second = _register(insats, handlaggare_a, personnummer=pnr.parse("19850615-1227"))
    anonym = services.register_anonymous_deltagande(
        insats=insats, kon="kvinna", startdatum=dt.date(2015, 3, 1)
    )
    for d in (first, second, anonym):
        d.refresh_from_db()
    entry = services.log_access_many(
        user=handlaggare_a,
        deltaganden=list(Deltagande.objects.select_related("person").order_by("pk")),
        sida="/lista/",
        anledning="Deltagarlistan",
    )
    assert Atkomstlogg.objects.get() == entry
    assert sorted(entry.visningar.values_list("deltagande_id", flat=True)) == sorted(
        [first.pk, second.pk]
    )
    assert set(entry.personer.all()) == {first.person, second.person}
    # Nothing with personal data shown: nothing logged.
    assert (
        services.log_access_many(user=handlaggare_a, deltaganden=[anonym], sida="/", anledning="x")
        is None
    )
    assert Atkomstlogg.objects.count() == 1


@pytest.mark.parametrize(("days", "ok"), [(89, False), (90, True), (179, True), (180, False)])
def test_record_uppfoljning_only_in_the_matpunkts_window(insats, handlaggare_a, days, ok):
    """The 90-day window runs from day 90 to day 179 after the end (the 180-day one next)."""
    deltagande = _register(insats, handlaggare_a)
    slut = dt.date(2015, 9, 30)
    services.end_deltagande(deltagande=deltagande, slutdatum=slut, avslutsorsak="flytt")
    values = {"sysselsattning": ["arbete"], "forsorjning": ["a_kassa"]}
    datum = slut + dt.timedelta(days=days)
    if ok:
        services.record_uppfoljning(deltagande=deltagande, matpunkt=90, datum=datum, **values)
        assert Uppfoljning.objects.get().datum == datum
        return
    with pytest.raises(ValidationError) as refused:
        services.record_uppfoljning(deltagande=deltagande, matpunkt=90, datum=datum, **values)
    assert refused.value.message_dict["datum"] == [
        f"Uppföljningen 3 månader efter avslut ska göras 2015-12-29–2016-03-27; "
        f"{datum:%Y-%m-%d} ligger utanför."
    ]
    assert not Uppfoljning.objects.exists()
