"""Registering a participant: the live personnummer check, consent, protected identity,
the start profile, anonymous registration; nothing half-saved and no clear number stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from deltagare.models import Atkomstlogg, Deltagande, Person, Samtycke

from .handlaggare_data import NUMMER, NUMMER_2, assigned_insats, end, person_deltagande

pytestmark = pytest.mark.django_db

DIGITS = ("199001010017", "9001010017", "19900101-0017", "900101-0017")


@pytest.fixture
def insats(forbund_a, handlaggare_a):
    return assigned_insats(forbund_a, handlaggare_a)


def _url(insats, name="deltagare:create") -> str:
    return reverse(name, args=[insats.forbund.organisationsnummer, insats.kod])


def _valid(**changes) -> dict:
    data = {
        "personnummer": NUMMER,
        "samtycke_registrering": "on",
        "samtycke_datum": "2016-02-01",
        "formularversion": "FK 9443 2015-01",
        "sprak": "arabiska",
        "startdatum": "2016-02-01",
        "utbildningsniva": "gymnasial",
        "forsorjning_fore": ["sjukpenning", "forsorjningsstod"],
        "tid_offentlig_forsorjning": "upp_till_3",
        "sysselsattning_fore": ["arbetssokande"],
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _no_clear_number_in_deltagare_tables() -> None:
    """Every text-like column of every deltagare table, read raw."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_name LIKE 'deltagare\\_%%' "
            "AND data_type IN ('text', 'character varying', 'ARRAY', 'jsonb', 'uuid')"
        )
        columns = cursor.fetchall()
        assert ("deltagare_person", "pnr_krypterat") in columns
        for table, column in columns:
            cursor.execute(f'SELECT "{column}"::text FROM "{table}"')  # noqa: S608 (catalog names)
            dump = repr(cursor.fetchall())
            for digits in DIGITS:
                assert digits not in dump, (table, column)


# --- The live check ---------------------------------------------------------------------


def _check(client, insats, value, **extra):
    return client.post(
        _url(insats, "deltagare:pnr_check"),
        {"personnummer": value, **extra},
        HTTP_HX_REQUEST="true",
    )


def test_check_is_post_only(client_handlaggare_a, insats):
    assert client_handlaggare_a.get(_url(insats, "deltagare:pnr_check")).status_code == 405


@pytest.mark.parametrize("value", ["19900101-0018", "900101-001", "abcdefghij", "1990-01-01-0017"])
def test_check_invalid_number_in_swedish_without_echo(client_handlaggare_a, insats, value):
    response = _check(client_handlaggare_a, insats, value)
    assert response.status_code == 200
    html = response.content.decode()
    assert "label__message--error" in html or "Ange 10 eller 12 siffror" in html
    assert value not in html and value.replace("-", "") not in html


def test_check_valid_unknown_number(client_handlaggare_a, insats):
    html = _check(client_handlaggare_a, insats, NUMMER).content.decode()
    assert "Giltigt personnummer (man)" in html
    assert "Inga tidigare deltaganden i dina insatser" in html
    for digits in DIGITS:
        assert digits not in html
    assert not Atkomstlogg.objects.exists()
    assert not Person.objects.exists()


def test_check_known_person_shows_earlier_deltaganden_without_number(
    client_handlaggare_a, insats, handlaggare_a, forbund_a
):
    earlier = end(person_deltagande(insats, handlaggare_a))
    other_insats = assigned_insats(forbund_a, kod="IND-X")  # not handlaggare_a's
    person_deltagande(other_insats, handlaggare_a)
    response = _check(client_handlaggare_a, insats, "9001010017")
    html = response.content.decode()
    assert "Personen har deltagit i dina insatser" in html
    assert list(response.context["tidigare"]) == [earlier]
    assert "2015-03-01" in html and "2015-09-30" in html
    # Of the deltagande in another's insats, not even that it exists.
    assert "IND-X" not in html and "andra insatser" not in html
    for digits in DIGITS:
        assert digits not in html
    log = Atkomstlogg.objects.get()
    assert (log.user, log.personer.get()) == (handlaggare_a, earlier.person)


def test_check_warns_of_an_open_deltagande_in_the_insats(
    client_handlaggare_a, insats, handlaggare_a
):
    person_deltagande(insats, handlaggare_a)
    html = _check(client_handlaggare_a, insats, NUMMER).content.decode()
    assert "pågående deltagande i den här insatsen" in html


def test_check_protected_identity_offers_only_anonymous(client_handlaggare_a, insats):
    html = _check(client_handlaggare_a, insats, NUMMER, skyddad="on").content.decode()
    assert "registreras alltid anonymt" in html
    assert _url(insats, "deltagare:create_anonym") in html
    assert "Giltigt" not in html


def test_the_form_wires_the_check_by_post(client_handlaggare_a, insats):
    html = client_handlaggare_a.get(_url(insats)).content.decode()
    assert f'hx-post="{_url(insats, "deltagare:pnr_check")}"' in html
    assert "hx-get" not in html


# --- Registration ---------------------------------------------------------------------


def test_register_with_consent_and_profile(client_handlaggare_a, insats, handlaggare_a):
    response = client_handlaggare_a.post(_url(insats), _valid(samtycke_sekretess="on"))
    deltagande = Deltagande.objects.get()
    assert response.status_code == 302
    assert response.url == reverse(
        "deltagare:detail",
        args=[insats.forbund.organisationsnummer, insats.kod, deltagande.public_id],
    )
    assert "19900101" not in response.url and "0101-0017" not in response.url
    assert deltagande.registreringsform == "person"
    assert deltagande.kon == "man"
    assert deltagande.startdatum == dt.date(2016, 2, 1)
    assert deltagande.utbildningsniva == "gymnasial"
    assert sorted(deltagande.forsorjning_fore) == ["forsorjningsstod", "sjukpenning"]
    assert deltagande.tid_offentlig_forsorjning == "upp_till_3"
    assert deltagande.sysselsattning_fore == ["arbetssokande"]
    samtycken = Samtycke.objects.order_by("syfte")
    assert [
        (s.syfte, s.datum, s.formularversion, s.sprak, s.registrerad_av) for s in samtycken
    ] == [
        ("registrering", dt.date(2016, 2, 1), "FK 9443 2015-01", "arabiska", handlaggare_a),
        ("sekretess", dt.date(2016, 2, 1), "FK 9443 2015-01", "arabiska", handlaggare_a),
    ]
    _no_clear_number_in_deltagare_tables()


def test_register_again_after_an_earlier_deltagande_reuses_the_person(
    client_handlaggare_a, insats, handlaggare_a
):
    first = end(person_deltagande(insats, handlaggare_a))
    response = client_handlaggare_a.post(_url(insats), _valid(personnummer="900101-0017"))
    assert response.status_code == 302
    assert Person.objects.count() == 1
    assert Deltagande.objects.exclude(pk=first.pk).get().person_id == first.person_id
    # A new consent for the new insats registration.
    assert Samtycke.objects.count() == 2


def test_register_with_an_open_deltagande_is_refused(client_handlaggare_a, insats, handlaggare_a):
    person_deltagande(insats, handlaggare_a)
    response = client_handlaggare_a.post(_url(insats), _valid())
    assert response.status_code == 200
    assert "redan ett pågående deltagande" in response.content.decode()
    assert Deltagande.objects.count() == 1
    assert Samtycke.objects.count() == 1


def test_consent_is_required(client_handlaggare_a, insats):
    response = client_handlaggare_a.post(_url(insats), _valid(samtycke_registrering=None))
    assert response.status_code == 200
    assert "måste ha samtyckt" in response.content.decode()
    assert not Person.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"personnummer": "19900101-0018"}, "inte ett giltigt personnummer"),
        ({"personnummer": ""}, "Ange personnummer"),
        ({"startdatum": "2014-12-31"}, "inom insatsens period (2015-01-01–2030-12-31)"),
        ({"samtycke_datum": "2016-02-02"}, "senast på startdagen"),
        ({"samtycke_datum": ""}, "Detta fält måste fyllas i."),
        (
            {"forsorjning_fore": ["ingen_offentlig", "a_kassa"]},
            "kan inte kombineras med andra val",
        ),
        ({"utbildningsniva": "doktor"}, "Välj ett av alternativen i listan"),
        ({"sprak": ""}, "Ange blankettens språk"),
    ],
)
def test_errors_in_swedish_with_nothing_saved(client_handlaggare_a, insats, changes, message):
    response = client_handlaggare_a.post(_url(insats), _valid(**changes))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Formuläret innehåller fel" in html
    assert not Person.objects.exists()
    assert not Deltagande.objects.exists()
    assert not Samtycke.objects.exists()
    # The error never repeats the number (the field keeps what was typed).
    for error in response.context["form"].errors.values():
        assert "0101" not in str(error)


def test_protected_identity_with_consent_saves_nothing_and_offers_anonymous(
    client_handlaggare_a, insats
):
    response = client_handlaggare_a.post(_url(insats), _valid(skyddad="on"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "registreras alltid anonymt" in html
    assert response.templates[0].name == "deltagare/registrera_anonym.html"
    form = response.context["form"]
    assert form.initial == {"startdatum": dt.date(2016, 2, 1), "kon": "man"}
    for digits in DIGITS:
        assert digits not in html
    assert not Person.objects.exists()
    assert not Samtycke.objects.exists()
    assert not Deltagande.objects.exists()
    # The handläggare then registers anonymously.
    response = client_handlaggare_a.post(
        _url(insats, "deltagare:create_anonym"), {"kon": "man", "startdatum": "2016-02-01"}
    )
    assert response.status_code == 302
    deltagande = Deltagande.objects.get()
    assert (deltagande.registreringsform, deltagande.person) == ("anonym", None)
    _no_clear_number_in_deltagare_tables()


def test_protected_identity_with_an_invalid_number_still_offers_anonymous(
    client_handlaggare_a, insats
):
    response = client_handlaggare_a.post(
        _url(insats), {"personnummer": "x", "skyddad": "on", "startdatum": "nej"}
    )
    assert response.status_code == 200
    assert response.context["form"].initial == {}
    assert not Person.objects.exists()


def test_register_form_page(client_handlaggare_a, insats):
    response = client_handlaggare_a.get(_url(insats))
    assert response.status_code == 200
    html = response.content.decode()
    # SUS definitions as help texts.
    assert "avbrott på upp till en månad" in html
    assert "40 timmar i veckan" in html
    assert "motsvarande svenska nivå" in html
    assert 'autocomplete="off"' in html


# --- Anonymous --------------------------------------------------------------------------


def test_anonymous_quick_form(client_handlaggare_a, insats):
    url = _url(insats, "deltagare:create_anonym")
    assert client_handlaggare_a.get(url).status_code == 200
    response = client_handlaggare_a.post(url, {"kon": "kvinna", "startdatum": "2016-03-01"})
    assert response.status_code == 302 and response.url == url
    deltagande = Deltagande.objects.get()
    assert (deltagande.kon, deltagande.startdatum) == ("kvinna", dt.date(2016, 3, 1))
    assert deltagande.registreringsform == "anonym"
    follow = client_handlaggare_a.get(url)
    assert "Ett anonymt deltagande är registrerat (kvinna, start 2016-03-01)" in (
        follow.content.decode()
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kon": "", "startdatum": "2016-03-01"}, "Ange kön"),
        ({"kon": "okant", "startdatum": "2016-03-01"}, "Välj kvinna eller man"),
        ({"kon": "man", "startdatum": "2031-01-01"}, "inom insatsens period"),
        ({"kon": "man", "startdatum": "1/3"}, "Ange ett datum som ÅÅÅÅ-MM-DD"),
    ],
)
def test_anonymous_errors(client_handlaggare_a, insats, data, message):
    response = client_handlaggare_a.post(_url(insats, "deltagare:create_anonym"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Deltagande.objects.exists()


def test_a_closed_insats_takes_no_start_after_its_closing(
    client_handlaggare_a, forbund_a, handlaggare_a
):
    insats = assigned_insats(
        forbund_a, handlaggare_a, kod="IND-S", avslutad_datum=dt.date(2016, 6, 30)
    )
    response = client_handlaggare_a.post(_url(insats), _valid(startdatum="2016-07-01"))
    assert "2015-01-01–2016-06-30" in response.content.decode()
    assert not Person.objects.exists()


def test_second_person_in_the_same_insats(client_handlaggare_a, insats, handlaggare_a):
    person_deltagande(insats, handlaggare_a)
    response = client_handlaggare_a.post(_url(insats), _valid(personnummer=NUMMER_2))
    assert response.status_code == 302
    assert Person.objects.count() == 2
    assert Deltagande.objects.get(person__kon="kvinna").kon == "kvinna"


def test_anonymous_form_marks_kon_as_required(client_handlaggare_a, insats):
    html = client_handlaggare_a.get(_url(insats, "deltagare:create_anonym")).content.decode()
    assert 'Kön<span class="visually-hidden"> (obligatoriskt)</span></legend>' in html
    assert html.count('name="kon"') == html.count('name="kon" value') == 2
    assert 'id="id_kon_0" required' in html and 'id="id_kon_1" required' in html
